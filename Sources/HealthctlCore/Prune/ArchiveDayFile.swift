import Crypto
import Foundation
import Gzip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The archive file of one UTC day, open for appending members, with its manifest.
/// Opened only after crash recovery, so the file ends exactly where its manifest says.
final class ArchiveDayFile {
    let day: String
    let dataPath: String
    let manifestPath: String
    private let descriptor: Int32
    private(set) var manifest: ArchiveManifest
    private var hasher = SHA256()
    private var manifestIsStale = false
    private let faultHook: FaultHook?

    init(root: String, day: String, numericIds: Bool, faultHook: FaultHook? = nil) throws {
        self.day = day
        self.faultHook = faultHook
        let directory = ArchiveFormat.directory(root: root, day: day)
        dataPath = ArchiveFormat.dataPath(root: root, day: day)
        manifestPath = ArchiveFormat.manifestPath(forDataFile: dataPath)
        try ArchiveFiles.createDirectories(directory)
        let existed = FileManager.default.fileExists(atPath: manifestPath)
        manifest = existed ? try ArchiveManifest.load(manifestPath) : ArchiveManifest(day: day, numericIds: numericIds)
        descriptor = open(dataPath, O_RDWR | O_CREAT | O_CLOEXEC, ArchiveFiles.fileMode)
        guard descriptor >= 0 else { throw ArchiveError.cannotWrite(path: dataPath, operation: "opening", errno: errno) }
        fchmod(descriptor, ArchiveFiles.fileMode)
        do {
            guard !manifest.hasPending, ArchiveFiles.size(dataPath) == manifest.fileBytes else {
                throw ArchiveError.damaged(path: dataPath, member: nil, problem: "file does not end where its manifest says")
            }
            try ArchiveFiles.readRange(descriptor, offset: 0, count: manifest.fileBytes, path: dataPath) { hasher.update(bufferPointer: $0) }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Starts a new member at the end of the recorded members; the first member carries the header.
    func startMember(level: Int32) throws -> MemberCompressor {
        let end = manifest.fileBytes
        guard lseek(descriptor, off_t(end), SEEK_SET) == off_t(end) else {
            throw ArchiveError.cannotWrite(path: dataPath, operation: "seeking in", errno: errno)
        }
        return try MemberCompressor(
            fileDescriptor: descriptor, level: level, header: end == 0 ? ArchiveFormat.headerLine : nil,
            numericIds: manifest.numericIds, path: dataPath)
    }

    /// Syncs the finished member and records it as pending in the manifest (durably).
    /// `partition` names the detached table whose rows it holds (see `ArchiveManifest.Member`).
    func recordPending(_ result: MemberCompressor.Result, partition: String? = nil) throws {
        guard fsync(descriptor) == 0 else { throw ArchiveError.cannotWrite(path: dataPath, operation: "syncing", errno: errno) }
        faultHook?(.afterFsync)
        var nextHasher = hasher
        try ArchiveFiles.readRange(descriptor, offset: result.member.offset, count: result.member.compressedBytes, path: dataPath) {
            nextHasher.update(bufferPointer: $0)
        }
        var next = manifest
        next.members.append(ArchiveManifest.Member(gzip: result.member, statistics: result.statistics, state: .pending, partition: partition))
        next.updateTotals()
        next.sha256 = ArchiveFiles.hex(nextHasher)
        next.tool = "healthctl \(healthctlVersion)"
        try next.save(manifestPath)
        manifest = next
        hasher = nextHasher
    }

    /// The delete of the last member committed; written to the manifest at the latest by `finish()`.
    func markLastCommitted() {
        manifest.members[manifest.members.count - 1].state = .committed
        manifestIsStale = true
    }

    /// Cuts off whatever was written after the last recorded member (a failed or empty batch).
    func discardUnrecorded() {
        _ = ftruncate(descriptor, off_t(manifest.fileBytes))
        _ = fsync(descriptor)
    }

    /// Writes the final manifest; the file and manifest stay valid if this is never reached.
    func finish() throws {
        if manifestIsStale { try manifest.save(manifestPath) }
        manifestIsStale = false
        if manifest.members.isEmpty {
            unlink(dataPath)
            unlink(manifestPath)
        }
    }
}
