import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named points in a prune batch where tests make the process kill itself, to prove that a crash
/// at that instant loses nothing. A testing aid only: `HEALTHCTL_FAULT=after-fsync` kills the process
/// with SIGKILL the first time the point is reached, `HEALTHCTL_FAULT=after-fsync@3` at the third batch.
public enum FaultPoint: String, CaseIterable, Sendable {
    /// Some COPY output has been handed to the compressor; the member is incomplete.
    case duringCopy = "during-copy"
    /// The member is complete in the file but not synced.
    case afterMemberWritten = "after-member-written"
    /// The member is synced but not in the manifest.
    case afterFsync = "after-fsync"
    /// The manifest records the member as pending; the delete is not committed.
    case afterManifestPending = "after-manifest-pending"
    /// The delete is committed; the manifest still says pending.
    case afterCommit = "after-commit"

    /// How often each point was reached, across all prune workers.
    private static let counts = Mutex<[FaultPoint: Int]>([:])
    private static let configured: (point: FaultPoint, batch: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["HEALTHCTL_FAULT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "@")
        guard let point = FaultPoint(rawValue: String(parts[0])) else { return nil }
        return (point, parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()

    /// Kills the process here when `HEALTHCTL_FAULT` names this point and batch, counting the
    /// batches of all workers together.
    func reached() {
        guard let configured = Self.configured, configured.point == self else { return }
        let count = Self.counts.withLock { counts in
            counts[self, default: 0] += 1
            return counts[self]!
        }
        if count == configured.batch { kill(getpid(), SIGKILL) }
    }
}
