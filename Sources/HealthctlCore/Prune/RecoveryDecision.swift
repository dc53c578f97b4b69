/// What to do with one archive file after an interrupted prune: the pure half of crash recovery.
///
/// A prune writes and syncs a member, records it `pending`, commits the delete, then marks it
/// `committed`; so after a crash only the last member can be pending, and bytes past the last
/// recorded member were never part of a committed delete. The decision:
/// - bytes past the end of the last member are a torn tail: cut them off;
/// - a pending member whose rows are still in the database was rolled back: cut it off and forget it;
/// - a pending member whose rows are gone was committed: mark it so;
/// - anything else (a committed member missing from the file, a rolled-back member before a
///   committed one) cannot come from a crash and is reported as damage, touching nothing.
public struct RecoveryDecision: Equatable, Sendable {
    /// The manifest to write, or nil when nothing archived remains (remove file and manifest).
    public var manifest: ArchiveManifest?
    /// Truncate the file to this size, when it is longer.
    public var truncateTo: Int64?
    public var membersCommitted: Int
    public var membersDropped: Int

    public var changesAnything: Bool { truncateTo != nil || membersCommitted > 0 || membersDropped > 0 }

    /// - Parameters:
    ///   - manifest: the manifest as found (an empty one when the file has none).
    ///   - fileSize: the data file's size in bytes.
    ///   - rowsStillInDatabase: for each pending member (by index), whether any of its rows is
    ///     still in the table. Must be given for every pending member.
    public static func resolve(
        manifest: ArchiveManifest, fileSize: Int64, rowsStillInDatabase: [Int: Bool], path: String
    ) throws(ArchiveError) -> RecoveryDecision {
        var expectedOffset: Int64 = 0
        for (index, member) in manifest.members.enumerated() {
            guard member.offset == expectedOffset else {
                throw .damaged(path: path, member: index, problem: "manifest places it at byte \(member.offset), expected \(expectedOffset)")
            }
            expectedOffset = member.end
        }
        var kept = manifest.members
        var dropped = 0
        while let last = kept.last, last.state == .pending {
            guard let remains = rowsStillInDatabase[kept.count - 1] else {
                throw .damaged(path: path, member: kept.count - 1, problem: "pending member was not checked against the database")
            }
            guard remains else { break }
            kept.removeLast()
            dropped += 1
        }
        var committed = 0
        for index in kept.indices where kept[index].state == .pending {
            guard rowsStillInDatabase[index] == false else {
                throw .damaged(path: path, member: index, problem: "pending member was rolled back but later members were committed")
            }
            kept[index].state = .committed
            committed += 1
        }
        let end = kept.last?.end ?? 0
        guard end <= fileSize else {
            throw .damaged(path: path, member: kept.count - 1, problem: "file has \(fileSize) bytes but the manifest records \(end)")
        }
        var updated = manifest
        updated.members = kept
        updated.updateTotals()
        return RecoveryDecision(
            manifest: kept.isEmpty ? nil : updated,
            truncateTo: fileSize > end ? end : nil,
            membersCommitted: committed,
            membersDropped: dropped)
    }
}
