import Foundation

/// One run of a job (report, prune, backfill, rollup) as node_exporter's textfile collector
/// reads it: `DIR/healthctl_<job>.prom`, replaced whole (a temporary name in the same directory,
/// then a rename), readable by the collector. A failed run keeps the last success of the file it
/// replaces.
public struct JobMetrics: Sendable {
    public var job: String
    public var startedAtMs: Int64
    public var finishedAtMs: Int64
    public var exitCode: Int32
    /// Rows the job read, archived, changed or rolled up; nil when it has no such count.
    public var rows: Int?
    /// Further families of the job (the report's metrics), already rendered.
    public var extra: String = ""

    public init(job: String, startedAtMs: Int64, finishedAtMs: Int64, exitCode: Int32, rows: Int? = nil) {
        self.job = job
        self.startedAtMs = startedAtMs
        self.finishedAtMs = finishedAtMs
        self.exitCode = exitCode
        self.rows = rows
    }

    public static let jobs = ["report", "prune", "backfill", "rollup"]

    public static func fileName(job: String) -> String { "healthctl_\(job).prom" }

    /// The file's text; `lastSuccessMs` is this run's end when it succeeded, else the one before.
    public func render(lastSuccessMs: Int64?) -> String {
        var text = PrometheusText()
        let labels = [("job", job)]
        text.family("healthctl_job_last_success_timestamp_seconds", .gauge, help: "End of the job's last successful run, seconds since the epoch.")
        if let success = exitCode == 0 ? finishedAtMs : lastSuccessMs {
            text.sample("healthctl_job_last_success_timestamp_seconds", labels, Double(success) / 1000)
        }
        text.family("healthctl_job_last_run_timestamp_seconds", .gauge, help: "End of the job's last run, successful or not.")
        text.sample("healthctl_job_last_run_timestamp_seconds", labels, Double(finishedAtMs) / 1000)
        text.family("healthctl_job_duration_seconds", .gauge, help: "How long the job's last run took.")
        text.sample("healthctl_job_duration_seconds", labels, Double(finishedAtMs - startedAtMs) / 1000)
        text.family("healthctl_job_rows", .gauge, help: "Rows the last run read (report), archived (prune), changed (backfill) or rolled up (rollup).")
        if let rows { text.sample("healthctl_job_rows", labels, Double(rows)) }
        text.family("healthctl_job_exit_code", .gauge, help: "Exit code of the last run (0 success; see healthctl --help).")
        text.sample("healthctl_job_exit_code", labels, Double(exitCode))
        text.family("healthctl_build_info", .gauge, help: "Always 1, labelled with the healthctl version.")
        text.sample("healthctl_build_info", [("version", healthctlVersion)], 1)
        return text.out + extra
    }

    /// Writes `DIR/healthctl_<job>.prom` (mode 0644), keeping the last success of the file it replaces.
    public func write(toDirectory directory: String) throws(MetricsFileError) {
        let path = (directory as NSString).appendingPathComponent(Self.fileName(job: job))
        let previous = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(Self.lastSuccessMs(in:))
        let bytes = Array(render(lastSuccessMs: previous).utf8)
        let written = bytes.withUnsafeBytes { buffer in
            Result { () throws(AtomicFile.Failure) in try AtomicFile.replace(path, with: buffer, mode: 0o644) }
        }
        if case let .failure(error) = written { throw MetricsFileError(path: path, reason: String(cString: strerror(error.errno))) }
    }

    /// The last-success timestamp of an earlier file, in milliseconds.
    static func lastSuccessMs(in text: String) -> Int64? {
        for line in text.split(separator: "\n") where line.hasPrefix("healthctl_job_last_success_timestamp_seconds{") {
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            return Int64((value * 1000).rounded())
        }
        return nil
    }
}

public struct MetricsFileError: CategorizedError, Sendable {
    public var path: String
    public var reason: String

    public var category: FailureCategory { .cannotWrite }
    public var description: String { "cannot write the metrics file \(path): \(reason)" }
}
