import Foundation
import Testing

@testable import HealthctlCore

/// `archive verify`'s search for ids archived twice, which keeps fingerprints in a bounded buffer
/// and spills them to temporary files: tiny buffers force many runs, and fingerprints that
/// collide on purpose must not be reported as duplicates.
@Suite struct ArchiveVerifierTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-verify-\(UUID().uuidString)").path

    /// Writes one day's archive file and manifest the way prune does, one member per list of ids.
    func writeDay(_ day: String, members: [[String]]) throws {
        let file = try ArchiveDayFile(root: root, day: day, numericIds: false)
        for (index, ids) in members.enumerated() {
            let compressor = try file.startMember(level: 1)
            for (row, id) in ids.enumerated() {
                let seconds = String(format: "%02d", (index * 7 + row) % 60)
                let line = "\(id),cint\(row % 3),HEALTHY,,120,\(day)T10:00:\(seconds)Z\n"
                _ = Array(line.utf8).withUnsafeBytes { compressor.submit($0) }
            }
            try file.recordPending(try compressor.finish())
            file.markLastCommitted()
        }
        try file.finish()
    }

    func ids(_ prefix: String, _ count: Int) -> [String] {
        (0..<count).map { "c\(prefix)\(String($0, radix: 36))x9" }
    }

    @Test(arguments: [1, 7, 64, 8 << 20])
    func aCleanArchiveHasNoProblemsWhateverTheBuffer(capacity: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeDay("2026-11-20", members: [ids("a", 300), ids("b", 200)])
        try writeDay("2026-11-21", members: [ids("c", 500)])
        let report = try ArchiveVerifier.verify(paths: [root], finder: DuplicateIdFinder(bufferCapacity: capacity))
        #expect(report.problems == [])
        #expect(report.rows == 1000)
        #expect(report.files == 2)
        #expect(report.members == 3)
    }

    @Test func repeatsAreFoundAcrossSpilledRuns() throws {
        var finder = DuplicateIdFinder(bufferCapacity: 16)
        defer { finder.discardRuns() }
        let distinct = ids("r", 5000)
        let repeated = [distinct[3], distinct[1700], distinct[4999], distinct[2500]]
        for (index, id) in distinct.enumerated() {
            try finder.add(ArraySlice(id.utf8))
            // Each repeat lands in a run of its own, far from its first sighting.
            if index % 1000 == 999 { try finder.add(ArraySlice(repeated[index / 1000 % repeated.count].utf8)) }
        }
        #expect(finder.spilledRuns > 300)
        let result = try finder.repeatedFingerprints(limit: 100)
        #expect(result.found == Set(repeated.map { finder.fingerprintOf(ArraySlice($0.utf8)) }))
        #expect(!result.more)
        let limited = try finder.repeatedFingerprints(limit: 2)
        #expect(limited.found.count == 2)
        #expect(limited.more)
    }

    @Test(arguments: [3, 8 << 20])
    func anIdArchivedTwiceIsNamedOnceWithWhereItWasFirst(capacity: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = ids("d", 400)
        try writeDay("2026-11-20", members: [first])
        try writeDay("2026-11-21", members: [ids("e", 100), [first[17]] + ids("f", 50)])
        let report = try ArchiveVerifier.verify(paths: [root], finder: DuplicateIdFinder(bufferCapacity: capacity))
        let day20 = ArchiveFormat.dataPath(root: root, day: "2026-11-20")
        let day21 = ArchiveFormat.dataPath(root: root, day: "2026-11-21")
        #expect(report.problems == [ArchiveProblem(file: day21, member: 1, problem: "id \(first[17]) is archived twice (also in \(day20))")])
        #expect(report.rows == 551)
    }

    /// Every id gets one of two fingerprints, so nearly all are candidates: only the real
    /// duplicate (within one file, here) may be reported.
    @Test func collidingFingerprintsAreConfirmedByTheId() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let many = ids("g", 600)
        try writeDay("2026-11-22", members: [many, [many[599]]])
        let finder = DuplicateIdFinder(bufferCapacity: 50, fingerprint: { UInt64($0.last! % 2) })
        let report = try ArchiveVerifier.verify(paths: [root], finder: finder)
        let day = ArchiveFormat.dataPath(root: root, day: "2026-11-22")
        #expect(report.problems == [ArchiveProblem(file: day, member: 1, problem: "id \(many[599]) is archived twice (also in \(day))")])
    }

    @Test func beyondTheLimitOneProblemSaysThereAreMore() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let twice = ids("h", 30)
        try writeDay("2026-11-20", members: [twice])
        try writeDay("2026-11-21", members: [twice])
        let report = try ArchiveVerifier.verify(paths: [root], finder: DuplicateIdFinder(bufferCapacity: 8), duplicateLimit: 5)
        #expect(report.problems.count == 6)
        #expect(report.problems.last?.problem == "more ids are archived twice than the 5 looked up")
    }

    @Test func temporarySpaceThatCannotBeUsedEndsTheRunWithTheCause() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeDay("2026-11-20", members: [ids("i", 100)])
        let missing = root + "/no-such-directory"
        #expect(throws: ScratchSpaceError(directory: missing, operation: "create", errno: ENOENT)) {
            try ArchiveVerifier.verify(paths: [root], finder: DuplicateIdFinder(bufferCapacity: 10, directory: missing))
        }
        let full = ScratchSpaceError(directory: "/tmp", operation: "write", errno: ENOSPC)
        #expect(full.description.hasPrefix("cannot write a temporary file in /tmp: No space left on device (verifying ids needs about 8 bytes"))
        #expect(full.category == .cannotWrite)
    }
}
