/// Named points in a prune batch where a test can stop the process, to prove that a crash at
/// that instant loses nothing. The executable installs the hook (`PruneOptions.faultHook`); in
/// production there is none.
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
}

/// Called by every prune worker at each `FaultPoint` it reaches.
public typealias FaultHook = @Sendable (FaultPoint) -> Void
