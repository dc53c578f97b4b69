import Foundation
import HealthctlCore
import Synchronization

/// The job metrics of this process, written once when it ends, with its exit code
/// (`Healthctl.main` on success, `ExitStatus.exit` on failure): only for a job (report, prune,
/// backfill, rollup) given a textfile directory (`--textfile-dir`, `metrics.textfile_dir`).
final class JobMetricsRun: Sendable {
    static let shared = JobMetricsRun()

    private struct Pending {
        var metrics: JobMetrics
        var directory: String
    }

    private let pending = Mutex<Pending?>(nil)

    /// Called as a job starts, once its settings are read.
    func start(job: String, directory: String) {
        let now = ISOTime.nowMilliseconds()
        pending.withLock { $0 = Pending(metrics: JobMetrics(job: job, startedAtMs: now, finishedAtMs: now, exitCode: 0), directory: directory) }
    }

    func record(rows: Int) {
        pending.withLock { $0?.metrics.rows = rows }
    }

    /// Further families for the job's file (the report's own metrics), made only when a file
    /// will be written.
    func record(extra: () -> String) {
        guard pending.withLock({ $0 != nil }) else { return }
        let text = extra()
        pending.withLock { $0?.metrics.extra = text }
    }

    /// Writes the file for the run that ends with `exitCode`; nothing when no job asked for it.
    func finish(exitCode: Int32) throws(MetricsFileError) {
        guard var run = pending.withLock({ state -> Pending? in defer { state = nil }; return state }) else { return }
        run.metrics.finishedAtMs = ISOTime.nowMilliseconds()
        run.metrics.exitCode = exitCode
        try run.metrics.write(toDirectory: run.directory)
    }
}
