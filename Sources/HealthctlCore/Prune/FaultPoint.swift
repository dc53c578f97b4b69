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
    /// A whole partition is detached from the log table; nothing of it is archived yet.
    case afterDetach = "after-detach"
    /// A detached partition's rows are in members recorded pending; the table is not dropped.
    case afterPartitionArchived = "after-partition-archived"
    /// The detached partition is dropped; its members still say pending.
    case afterDrop = "after-drop"
}

/// Called by every prune worker at each `FaultPoint` it reaches.
public typealias FaultHook = @Sendable (FaultPoint) -> Void
