import Gzip
import Synchronization

/// What went into the archive: rows, bytes and the day files written to.
struct ArchiveTotals {
    var rows = 0
    var compressedBytes: Int64 = 0
    var uncompressedBytes: Int64 = 0
    var days = Set<String>()

    mutating func add(_ result: MemberCompressor.Result, day: String) {
        rows += result.statistics.rows
        compressedBytes += result.member.compressedBytes
        uncompressedBytes += result.member.uncompressedBytes
        days.insert(day)
    }

    mutating func add(_ other: ArchiveTotals) {
        rows += other.rows
        compressedBytes += other.compressedBytes
        uncompressedBytes += other.uncompressedBytes
        days.formUnion(other.days)
    }
}

/// One UTC day with rows before the cutoff, and the storage tables (see `LogStorage`) that hold them.
struct PruneDay: Equatable {
    var start: Int64
    var tables: [LogStorageTable]
}

/// What the workers of one prune share: the days still to prune, the totals so far, the first
/// error and why the run stopped.
final class PruneWorkQueue: Sendable {
    struct State {
        var nextDay = 0
        var rowsDeleted = 0
        var batches = 0
        var archived = ArchiveTotals()
        var stoppedBy: String?
        var error: (any Error)?
    }

    private let days: [PruneDay]
    private let run: BatchRun
    private let total: Int?
    private let progress: ProgressHandler?
    private let state = Mutex(State())

    init(days: [PruneDay], run: BatchRun, total: Int?, progress: ProgressHandler?) {
        self.days = days
        self.run = run
        self.total = total
        self.progress = progress
    }

    var result: State { state.withLock { $0 } }

    /// False once the run is asked to stop (signal, `--max-runtime`) or a worker failed.
    func mayStartBatch() -> Bool {
        let reason = run.stopReason()
        return state.withLock { state in
            if state.error != nil { return false }
            if let reason {
                state.stoppedBy = reason
                return false
            }
            return true
        }
    }

    /// The next day no worker has taken, nil when all are taken or the run stops.
    func takeDay() -> PruneDay? {
        guard mayStartBatch() else { return nil }
        return state.withLock { state in
            guard state.nextDay < days.count else { return nil }
            state.nextDay += 1
            return days[state.nextDay - 1]
        }
    }

    func add(rows: Int, archived result: MemberCompressor.Result?, day: String) {
        state.withLock { state in
            state.rowsDeleted += rows
            if rows > 0 { state.batches += 1 }
            if let result { state.archived.add(result, day: day) }
            // Reported under the lock so the handler sees one caller at a time and rising totals.
            progress?(JobProgress(done: state.rowsDeleted, total: total, unit: "rows"))
        }
    }

    /// Keeps the first error; the other workers stop after their current batch.
    func fail(_ error: any Error) {
        state.withLock { if $0.error == nil { $0.error = error } }
    }
}
