import Gzip
import Testing

@testable import HealthctlCore

@Suite struct RecoveryDecisionTests {
    func manifest(_ members: [(size: Int64, state: ArchiveManifest.MemberState)]) -> ArchiveManifest {
        var manifest = ArchiveManifest(day: "2026-10-20", numericIds: false)
        var offset: Int64 = 0
        for (index, member) in members.enumerated() {
            let statistics = RowStatistics(numericIds: false, rows: 10, firstCheckedAt: "2026-10-20T0\(index):00:00Z", lastCheckedAt: "2026-10-20T0\(index):30:00Z", minId: "a\(index)", maxId: "b\(index)")
            manifest.members.append(ArchiveManifest.Member(
                gzip: GzipMember(offset: offset, compressedBytes: member.size, uncompressedBytes: 100, crc32: 1), statistics: statistics, state: member.state))
            offset += member.size
        }
        manifest.updateTotals()
        return manifest
    }

    func resolve(_ manifest: ArchiveManifest, fileSize: Int64, remains: [Int: Bool] = [:]) throws -> RecoveryDecision {
        try RecoveryDecision.resolve(manifest: manifest, fileSize: fileSize, rowsStillInDatabase: remains, path: "f.csv.gz")
    }

    @Test func cleanFileNeedsNothing() throws {
        let decision = try resolve(manifest([(50, .committed), (40, .committed)]), fileSize: 90)
        #expect(!decision.changesAnything)
        #expect(decision.manifest?.rows == 20)
    }

    @Test func tornTailIsCutOff() throws {
        let decision = try resolve(manifest([(50, .committed)]), fileSize: 77)
        #expect(decision.truncateTo == 50)
        #expect(decision.manifest?.members.count == 1)
    }

    @Test func pendingMemberWhoseRowsRemainIsDroppedAndCutOff() throws {
        let decision = try resolve(manifest([(50, .committed), (40, .pending)]), fileSize: 90, remains: [1: true])
        #expect(decision.truncateTo == 50)
        #expect(decision.membersDropped == 1)
        #expect(decision.manifest?.members.count == 1)
        #expect(decision.manifest?.rows == 10)
        #expect(decision.manifest?.lastCheckedAt == "2026-10-20T00:30:00Z")
    }

    @Test func pendingMemberWhoseRowsAreGoneIsCommitted() throws {
        let decision = try resolve(manifest([(50, .committed), (40, .pending)]), fileSize: 95, remains: [1: false])
        #expect(decision.membersCommitted == 1)
        #expect(decision.truncateTo == 90)
        #expect(decision.manifest?.members.map(\.state) == [.committed, .committed])
    }

    @Test func onlyRolledBackMembersMeansRemoveTheFile() throws {
        let decision = try resolve(manifest([(50, .pending)]), fileSize: 50, remains: [0: true])
        #expect(decision.manifest == nil)
        #expect(decision.truncateTo == 0)
        let noManifest = try resolve(ArchiveManifest(day: "2026-10-20", numericIds: false), fileSize: 33)
        #expect(noManifest.manifest == nil)
        #expect(noManifest.truncateTo == 0)
    }

    @Test func impossibleStatesAreDamageNotGuesses() {
        #expect(throws: ArchiveError.self) { try resolve(manifest([(50, .committed)]), fileSize: 20) }
        #expect(throws: ArchiveError.self) {
            try resolve(manifest([(50, .pending), (40, .committed)]), fileSize: 90, remains: [0: true])
        }
        #expect(throws: ArchiveError.self) { try resolve(manifest([(50, .pending)]), fileSize: 50) }
    }
}
