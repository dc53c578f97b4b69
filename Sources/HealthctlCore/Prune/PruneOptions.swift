/// What `prune` is asked to do.
public struct PruneOptions: Sendable {
    /// Rows with `checkedAt` before this instant go.
    public var cutoffMilliseconds: Int64
    /// Archive root; nil deletes without archiving (`--no-archive`).
    public var archiveDirectory: String?
    public var batchSize: Int
    public var pacing: BatchPacing
    public var compressionLevel: Int32
    /// Count the rows to go first, for a progress bar with a total.
    public var countFirst = false
    /// Days pruned at the same time, each on a connection of its own; 1 prunes day after day.
    public var jobs: Int
    /// `VACUUM (ANALYZE)` the table afterwards.
    public var vacuum = false
    /// Keep whole partitions detached after archiving them, instead of dropping them.
    public var keepDetached = false
    /// Prune days even when no current rollup holds them (`--without-rollups`).
    public var withoutRollups = false
    /// `rollup.schema`; nil: derived from the application's schema.
    public var rollupSchema: String?
    /// Called at each `FaultPoint`, for crash tests.
    public var faultHook: FaultHook?

    /// The built-in settings with this cutoff and archive.
    public init(cutoffMilliseconds: Int64, archiveDirectory: String?, settings: Settings.Prune = Settings.Prune()) {
        self.cutoffMilliseconds = cutoffMilliseconds
        self.archiveDirectory = archiveDirectory
        batchSize = settings.batchSize.value
        pacing = settings.pacing.batchPacing
        compressionLevel = Int32(settings.compressionLevel.value)
        jobs = settings.jobs.value
    }
}

/// The flags of `prune`, as given (nil when not given).
public struct PruneFlags: Sendable {
    public var olderThan: String?
    public var before: String?
    public var archiveDir: String?
    public var noArchive = false
    public var dryRun = false
    public var vacuum = false
    public var keepDetached = false
    public var withoutRollups = false
    public var batchSize: String?
    public var jobs: String?
    public var compressionLevel: String?
    public var pacing = PacingFlags()

    public init() {}
}

extension Settings {
    /// `prune`'s options: flags over the settings file over the defaults. The cutoff is
    /// `--before`, else `--older-than` (or `prune.older_than`) before `nowMilliseconds`.
    public func pruneOptions(_ flags: PruneFlags, nowMilliseconds: Int64) throws(UsageError) -> PruneOptions {
        var prune = self.prune
        try prune.batchSize.apply(flag: flags.batchSize, "--batch-size")
        try prune.jobs.apply(flag: flags.jobs, "--jobs")
        try prune.compressionLevel.apply(flag: flags.compressionLevel, "--compression-level")
        try prune.archiveDir.apply(flag: flags.archiveDir, "--archive-dir")
        if flags.archiveDir != nil && flags.noArchive { throw UsageError("--archive-dir and --no-archive exclude each other") }
        let archiveDirectory = flags.noArchive ? nil : prune.archiveDir.value
        guard archiveDirectory != nil || flags.noArchive || flags.dryRun else {
            throw UsageError("prune needs --archive-dir DIR (or --no-archive to delete without archiving)")
        }
        let cutoff: Int64
        switch (flags.olderThan, flags.before) {
        case (_?, _?):
            throw UsageError("give exactly one of --older-than and --before")
        case let (nil, instant?):
            guard let millis = ISOTime.parseEpochMilliseconds(instant) else {
                throw UsageError("invalid --before \"\(instant)\" (example: 2026-09-01T00:00:00Z)")
            }
            cutoff = millis
        case let (age, nil):
            try prune.olderThan.apply(flag: age, "--older-than")
            cutoff = nowMilliseconds - prune.olderThan.value.milliseconds
        }
        var options = PruneOptions(cutoffMilliseconds: cutoff, archiveDirectory: archiveDirectory, settings: prune)
        options.pacing = try prune.pacing.applying(flags.pacing)
        options.vacuum = flags.vacuum
        options.keepDetached = flags.keepDetached
        options.withoutRollups = flags.withoutRollups
        options.rollupSchema = rollup.schema.value
        return options
    }
}

/// What a prune did.
public struct PruneSummary: Encodable, Sendable, Equatable {
    public var cutoff: String
    public var archiveDirectory: String?
    public var rowsDeleted = 0
    public var rowsArchived = 0
    public var batches = 0
    /// Day files written to.
    public var files = 0
    public var compressedBytes: Int64 = 0
    public var uncompressedBytes: Int64 = 0
    public var durationSeconds = 0.0
    /// Why the run stopped before the end (`SIGTERM`, `--max-runtime reached`), nil when complete.
    public var stoppedBy: String?
    public var recovery = RecoverySummary()
    /// Whole partitions detached and archived; how many of them were dropped.
    public var partitionsDetached = 0
    public var partitionsDropped = 0
    /// More than 1 when the run started over after a lost connection; the figures are the last
    /// attempt's (earlier attempts' batches were committed and archived).
    public var attempts = 1
    /// Seconds the job rested, yielding while other sessions used the server (`database.busy_share`).
    public var restedSeconds = 0.0

    /// Uncompressed bytes per compressed byte, to two decimals.
    public var compressionRatio = 0.0

    /// Rounds the figures for people and JSON.
    mutating func finish(after run: BatchRun) {
        durationSeconds = run.elapsedSeconds
        restedSeconds = run.governor.restedSeconds
        compressionRatio = compressedBytes > 0 ? (Double(uncompressedBytes) / Double(compressedBytes) * 100).rounded() / 100 : 0
    }

    init(cutoff: String, archiveDirectory: String?) {
        self.cutoff = cutoff
        self.archiveDirectory = archiveDirectory
    }
}

