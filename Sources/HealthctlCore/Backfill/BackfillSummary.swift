import Foundation
/// One line of the transitions table: how many integrations went (or would go) from UNKNOWN to
/// `to` by `rule`.
public struct BackfillTransition: Sendable, Codable, Equatable {
    public var from: String
    public var to: String
    public var rule: BackfillRule
    /// True when these rows are written (a status or `lastHealthCheck` change).
    public var writes: Bool
    public var label: String
    public var count: Int
    /// Up to `sampleSize` ids, with `--verbose`.
    public var sampleIds: [String]?
}

/// Lock-holding time of the batch transactions: from the UPDATE that takes the row locks to the end of COMMIT.
public struct BackfillTransactionStats: Sendable, Codable, Equatable {
    public var count = 0
    public var maxMilliseconds = 0.0
    public var totalMilliseconds = 0.0

    public init() {}

    mutating func record(milliseconds: Double) {
        count += 1
        maxMilliseconds = max(maxMilliseconds, milliseconds)
        totalMilliseconds += milliseconds
    }
}

/// How the latest log rows were found.
public struct BackfillEvidenceStats: Sendable, Codable, Equatable {
    /// Time windows read walking `checkedAt` backwards from the newest row.
    public var windows = 0
    /// Log rows inside those windows.
    public var windowLogRows = 0
    /// Integrations looked up one by one through the `integrationId` index (not found in the windows).
    public var lookedUpIndividually = 0
    public var seconds = 0.0

    public init() {}
}

/// What a backfill did (or, with `--dry-run`, would do).
public struct BackfillSummary: Sendable, Codable, Equatable {
    public var dryRun: Bool
    /// `--max-age` as given, nil for no limit.
    public var maxAge: String?
    public var tokenRules: Bool
    /// Integrations that were UNKNOWN when read.
    public var examined: Int
    /// Dry run: planned transitions. Real run: rows written for writing rules, integrations
    /// counted for the ones that stay UNKNOWN.
    public var transitions: [BackfillTransition]
    /// Rows written.
    public var updated: Int
    /// Rows a concurrent transaction had locked: left alone, picked up by the next run.
    public var skippedLocked: Int
    /// Rows the application changed between the read and the update (its write wins).
    public var skippedChanged: Int
    public var batches: BackfillTransactionStats
    public var evidence: BackfillEvidenceStats
    public var durationSeconds: Double
    /// Set when the run stopped early (`SIGINT`, `SIGTERM`, `--max-runtime reached`).
    public var stoppedBy: String?
    /// More than 1 when the run started over after a lost connection; the figures are the last
    /// attempt's (earlier attempts' batches were committed).
    public var attempts = 1
    /// Seconds the job rested, yielding while other sessions used the server (`database.busy_share`).
    public var restedSeconds = 0.0

    /// The transitions table and the totals, for a person.
    public func renderText() -> String {
        var lines: [String] = []
        let heading = dryRun ? "dry run, nothing changed" : "backfill"
        lines.append("\(heading): \(examined) UNKNOWN integration\(examined == 1 ? "" : "s") examined")
        let width = transitions.map(\.label.count).max() ?? 0
        for transition in transitions {
            let padding = String(repeating: " ", count: width - transition.label.count)
            lines.append("  \(transition.label):\(padding) \(transition.count)")
        }
        if transitions.isEmpty { lines.append("  nothing to do") }
        if dryRun {
            lines.append("would update \(transitions.filter(\.writes).reduce(0) { $0 + $1.count }) rows")
        } else {
            var totals = "updated \(updated) rows in \(batches.count) batch\(batches.count == 1 ? "" : "es")"
            totals += String(format: ", longest batch transaction %.0f ms", batches.maxMilliseconds)
            lines.append(totals)
        }
        if skippedLocked > 0 {
            lines.append("skipped \(skippedLocked) rows locked by another transaction: the next run picks them up")
        }
        if skippedChanged > 0 {
            lines.append("skipped \(skippedChanged) rows the application changed meanwhile (its status wins)")
        }
        if let stoppedBy { lines.append("stopped early (\(stoppedBy)): run again to continue") }
        if let note = LoadGovernor.restedNote(seconds: restedSeconds) { lines.append(note) }
        if let note = ConnectionRetry.startedOverNote(attempts: attempts) { lines.append(note) }
        let samples = transitions.filter { $0.sampleIds?.isEmpty == false }
        if !samples.isEmpty {
            lines.append("sample ids:")
            for transition in samples {
                lines.append("  \(transition.label): \(transition.sampleIds!.joined(separator: ", "))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Counts outcomes per table line while a run goes.
struct BackfillTally {
    private struct Key: Hashable, Comparable {
        var rule: BackfillRule
        var status: HealthStatus
        var writes: Bool
        var label: String

        static func < (lhs: Key, rhs: Key) -> Bool {
            if lhs.rule != rhs.rule { return lhs.rule < rhs.rule }
            if lhs.status != rhs.status { return lhs.status < rhs.status }
            return lhs.label < rhs.label
        }
    }

    let sampleSize: Int
    private var counts: [Key: Int] = [:]
    private var samples: [Key: [String]] = [:]

    init(sampleSize: Int) { self.sampleSize = sampleSize }

    mutating func record(_ decision: BackfillDecision, id: String) {
        let key = Key(rule: decision.rule, status: decision.status, writes: decision.changesRow, label: decision.label)
        counts[key, default: 0] += 1
        if sampleSize > 0, samples[key, default: []].count < sampleSize { samples[key, default: []].append(id) }
    }

    var transitions: [BackfillTransition] {
        counts.sorted { $0.key < $1.key }.map { key, count in
            BackfillTransition(
                from: HealthStatus.unknown.rawValue, to: key.status.rawValue, rule: key.rule, writes: key.writes,
                label: key.label, count: count, sampleIds: sampleSize > 0 ? samples[key] : nil)
        }
    }
}
