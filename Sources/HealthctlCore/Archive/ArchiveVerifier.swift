import Crypto
import Foundation
import Gzip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thing wrong with an archive file.
public struct ArchiveProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Counted from 0; nil for the file as a whole.
    public var member: Int?
    public var problem: String

    public var description: String { "\(file): " + (member.map { "member \($0): " } ?? "") + problem }
}

public struct VerificationReport: Codable, Sendable, Equatable {
    public var files = 0
    public var members = 0
    public var rows = 0
    public var problems: [ArchiveProblem] = []
}

/// `archive verify` found problems (exit 65).
public struct ArchiveVerificationFailed: CategorizedError, Sendable {
    public var report: VerificationReport
    public init(report: VerificationReport) { self.report = report }
    public var category: FailureCategory { .dataError }
    public var description: String {
        let count = report.problems.count
        return "archive verification failed with \(count) problem\(count == 1 ? "" : "s"); first: \(report.problems[0])"
    }
}

/// Checks archive files without a database: gzip CRC and length of every member, CSV structure,
/// the header, row counts, ranges, sizes and SHA-256 against the manifest, and ids archived twice.
///
/// Memory stays bounded whatever the archive's size: files are read as streams, and ids go to a
/// `DuplicateIdFinder`, which keeps fingerprints and spills them to temporary files.
public enum ArchiveVerifier {
    /// Duplicates confirmed by id and listed one by one; beyond this, one problem says there are more.
    static let listedDuplicateLimit = 10_000

    /// Runs one step of a verification: a file (named), or the search for ids archived twice
    /// (nil). A job that shares the server runs each as a unit of its governor.
    public typealias Step = (_ file: String?, _ work: () throws -> Void) throws -> Void

    public static func verify(paths: [String], eachStep step: Step = { try $1() }) throws -> VerificationReport {
        try verify(paths: paths, finder: DuplicateIdFinder(), eachStep: step)
    }

    static func verify(
        paths: [String], finder: consuming DuplicateIdFinder, duplicateLimit: Int = listedDuplicateLimit, eachStep step: Step = { try $1() }
    ) throws -> VerificationReport {
        var report = VerificationReport()
        defer { finder.discardRuns() }
        let files = try ArchiveFiles.dataFiles(in: paths)
        for path in files {
            try step(path) {
                report.files += 1
                let problems = try verifyFile(path, report: &report, finder: &finder)
                report.problems += problems
            }
        }
        var repeated: (found: Set<DuplicateIdFinder.Fingerprint>, more: Bool) = ([], false)
        try step(nil) { repeated = try finder.repeatedFingerprints(limit: duplicateLimit) }
        if !repeated.found.isEmpty {
            report.problems += confirmDuplicates(files: files, fingerprints: repeated.found, finder: finder, limit: repeated.more ? duplicateLimit : nil)
        }
        return report
    }

    /// Reads the files again for the ids behind repeated fingerprints, and names each id that is
    /// really there twice, where it is and where it was first.
    private static func confirmDuplicates(files: [String], fingerprints: Set<DuplicateIdFinder.Fingerprint>, finder: DuplicateIdFinder, limit: Int?) -> [ArchiveProblem] {
        var firstSeen: [String: String] = [:]
        var problems: [ArchiveProblem] = []
        for path in files {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            // A file's damage was reported in the first pass; its rows up to there still count.
            try? ArchiveRecords.read(
                path: path, descriptor: descriptor,
                onRecord: { record, member, isHeader in
                    guard !isHeader, record.fieldCount == ArchiveFormat.columns.count else { return }
                    let id = record.bytes(ArchiveFormat.idColumn)
                    guard fingerprints.contains(finder.fingerprintOf(id)) else { return }
                    let text = String(decoding: id, as: UTF8.self)
                    if let earlier = firstSeen.updateValue(firstSeen[text] ?? path, forKey: text) {
                        problems.append(ArchiveProblem(file: path, member: member, problem: "id \(text) is archived twice (also in \(earlier))"))
                    }
                },
                onMemberEnd: { _, _ in true })
        }
        if let limit, let last = problems.last {
            problems.append(ArchiveProblem(file: last.file, member: nil, problem: "more ids are archived twice than the \(limit) looked up"))
        }
        return problems
    }

    /// The file's problems; throws only when the temporary space for ids fails, which ends the run.
    private static func verifyFile(_ path: String, report: inout VerificationReport, finder: inout DuplicateIdFinder) throws(ScratchSpaceError) -> [ArchiveProblem] {
        var problems: [ArchiveProblem] = []
        func problem(_ member: Int?, _ text: String) { problems.append(ArchiveProblem(file: path, member: member, problem: text)) }
        let manifestPath = ArchiveFormat.manifestPath(forDataFile: path)
        let manifest: ArchiveManifest
        do {
            manifest = try ArchiveManifest.load(manifestPath)
        } catch {
            guard FileManager.default.fileExists(atPath: manifestPath) else {
                problem(nil, "manifest \(manifestPath) is missing")
                return problems
            }
            // Say why: a bad field names itself (ArchiveManifest.load), a syntax error does not need to.
            if case let .damaged(_, _, reason) = error, reason.hasPrefix("manifest names") {
                problem(nil, "manifest \(manifestPath) is not valid: \(reason.dropFirst("manifest ".count))")
            } else {
                problem(nil, "manifest \(manifestPath) is not valid")
            }
            return problems
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            problem(nil, "cannot open: \(String(cString: strerror(errno)))")
            return problems
        }
        defer { close(descriptor) }
        let day = Array(manifest.day.utf8)
        var collectors: [RowStatisticsCollector] = []
        var current = RowStatisticsCollector(numericIds: manifest.numericIds)
        var gzipMembers: [GzipMember] = []
        do {
            try ArchiveRecords.read(
                path: path, descriptor: descriptor,
                onRecord: { record, member, isHeader in
                    if isHeader {
                        let names = (0..<record.fieldCount).map { record.string($0) ?? "" }
                        if names != ArchiveFormat.columns { throw ArchiveError.damaged(path: path, member: member, problem: "header is \(names.joined(separator: ",")), expected \(ArchiveFormat.columns.joined(separator: ","))") }
                        return
                    }
                    let rowNumber = current.rows + 1
                    guard record.fieldCount == ArchiveFormat.columns.count else {
                        throw ArchiveError.damaged(path: path, member: member, problem: "row \(rowNumber) has \(record.fieldCount) fields, expected \(ArchiveFormat.columns.count)")
                    }
                    guard !record.isNull(ArchiveFormat.idColumn), record.bytes(ArchiveFormat.checkedAtColumn).starts(with: day) else {
                        throw ArchiveError.damaged(path: path, member: member, problem: "row \(rowNumber) has no id or a checkedAt outside \(manifest.day)")
                    }
                    current.add(record)
                    try finder.add(record.bytes(ArchiveFormat.idColumn))
                },
                onMemberEnd: { gzip, _ in
                    gzipMembers.append(gzip)
                    collectors.append(current)
                    current = RowStatisticsCollector(numericIds: manifest.numericIds)
                    return true
                })
        } catch let error as ArchiveError {
            if case let .damaged(_, member, text) = error { problem(member, text) } else { problem(nil, error.description) }
            return problems
        } catch let error as ScratchSpaceError {
            throw error
        } catch {
            problem(nil, "\(error)")
            return problems
        }
        report.members += gzipMembers.count
        report.rows += collectors.reduce(0) { $0 + $1.rows }
        if gzipMembers.count != manifest.members.count {
            problem(nil, "file has \(gzipMembers.count) gzip members, manifest lists \(manifest.members.count)")
        }
        for (index, (expected, found)) in zip(manifest.members, zip(gzipMembers, collectors)).enumerated() {
            let (gzip, collector) = found
            let stats = collector.statistics
            var mismatches: [String] = []
            if expected.offset != gzip.offset || expected.compressedBytes != gzip.compressedBytes { mismatches.append("position or size") }
            if expected.uncompressedBytes != gzip.uncompressedBytes || expected.crc32 != gzip.crc32 { mismatches.append("uncompressed size or CRC-32") }
            if expected.rows != stats.rows { mismatches.append("row count (\(stats.rows) in the file, \(expected.rows) in the manifest)") }
            if expected.firstCheckedAt != stats.firstCheckedAt || expected.lastCheckedAt != stats.lastCheckedAt { mismatches.append("checkedAt range") }
            if expected.minId != stats.minId || expected.maxId != stats.maxId { mismatches.append("id range") }
            if !mismatches.isEmpty { problem(index, "does not match the manifest: " + mismatches.joined(separator: ", ")) }
            if expected.state == .pending { problem(index, "is still pending (an interrupted prune): run prune again to resolve it") }
        }
        if manifest.rows != collectors.reduce(0, { $0 + $1.rows }) { problem(nil, "manifest says \(manifest.rows) rows, the file holds \(collectors.reduce(0) { $0 + $1.rows })") }
        let size = ArchiveFiles.size(path) ?? -1
        if size != manifest.fileBytes { problem(nil, "file has \(size) bytes, manifest says \(manifest.fileBytes)") }
        var hasher = SHA256()
        do {
            try ArchiveFiles.readRange(descriptor, offset: 0, count: max(size, 0), path: path) { hasher.update(bufferPointer: $0) }
            let digest = ArchiveFiles.hex(hasher)
            if digest != manifest.sha256 { problem(nil, "SHA-256 \(digest) does not match the manifest's \(manifest.sha256)") }
        } catch {
            problem(nil, "\(error)")
        }
        return problems
    }
}
