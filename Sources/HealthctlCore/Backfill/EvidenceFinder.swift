import Foundation
import Logging
import PostgresClient

/// Finds each integration's latest log row without sorting the whole log table.
///
/// Most integrations are checked every few minutes, so their latest rows sit among the newest
/// rows of the table. The finder walks `checkedAt` backwards from the newest row in time windows
/// (10 minutes, then twice as long each time), each read through the `checkedAt` index and
/// reduced to one row per integration by the database (`DISTINCT ON ... ORDER BY "checkedAt" DESC,
/// id DESC`, so ties are broken exactly as PostgreSQL orders ids). Windows never overlap and rows
/// with the same `checkedAt` always fall in the same window, so the first window an integration
/// appears in holds its latest row.
///
/// The walk stops once every integration is found, the `--max-age` bound is reached, a window finds
/// nobody new, or the next window would read more rows than reading the remaining integrations' rows
/// directly. The rest (integrations with no logs, or whose checks stopped long ago) are looked up
/// through the `integrationId` index: first whether they have any log row at all, then the latest row of those
/// that do, a few integrations per query.
struct EvidenceFinder {
    let connection: PostgresConnection
    let sql: BackfillSQL
    /// Evidence before this instant (milliseconds) is ignored.
    let cutoffMilliseconds: Int64?
    let logger: Logger

    private static let firstWindowMilliseconds: Int64 = 10 * 60_000
    /// A window that read this many rows is not doubled again.
    private static let windowRowCeiling = 250_000
    /// Rows one direct lookup query may read, to keep the planner on the `integrationId` index.
    private static let directLookupRowBudget = 200_000.0

    func find(_ ids: [String], stats: inout BackfillEvidenceStats) throws -> [String: BackfillEvidence] {
        let started = Date()
        defer { stats.seconds += Date().timeIntervalSince(started) }
        var evidence: [String: BackfillEvidence] = [:]
        evidence.reserveCapacity(ids.count)
        guard let range = try checkedAtRange() else {
            for id in ids { evidence[id] = .noLogs }
            return evidence
        }
        var unresolved = Set(ids)
        let rowsPerIntegration = try averageRowsPerIntegration()
        let floor = max(range.oldest, cutoffMilliseconds ?? range.oldest)
        var upper: Int64?
        var span = Self.firstWindowMilliseconds
        var coveredEverything = false
        while !unresolved.isEmpty {
            let lower = max(floor, (upper ?? range.newest) - span)
            let window = try latestRows(from: lower, before: upper, among: nil)
            stats.windows += 1
            stats.windowLogRows += window.rowsRead
            var found = 0
            for (id, check) in window.latest where unresolved.remove(id) != nil {
                evidence[id] = .latest(check)
                found += 1
            }
            logger.debug("evidence window", metadata: [
                "from": "\(ISOTime.format(epochMilliseconds: lower))", "rows": "\(window.rowsRead)", "found": "\(found)",
                "unresolved": "\(unresolved.count)", "rowsPerIntegration": "\(Int(rowsPerIntegration))",
            ])
            if lower <= floor {
                coveredEverything = true
                break
            }
            let nextSpan = window.rowsRead < Self.windowRowCeiling ? span * 2 : span
            if window.rowsRead > 0 {
                let nextWindowRows = Double(window.rowsRead) * Double(nextSpan) / Double(span)
                let directRows = Double(unresolved.count) * rowsPerIntegration
                if found == 0 || nextWindowRows > directRows { break }
            }
            upper = lower
            span = nextSpan
        }
        guard !unresolved.isEmpty else { return evidence }

        let remaining = unresolved.sorted()
        stats.lookedUpIndividually += remaining.count
        // When the windows reached the oldest row (or the --max-age bound), the rest has no usable row;
        // only whether it has older rows (stale evidence) is left to find out.
        let withLogs = coveredEverything && cutoffMilliseconds == nil ? [] : try integrationsWithLogs(remaining)
        for id in remaining where !withLogs.contains(id) { evidence[id] = .noLogs }
        let perQuery = Int(max(1, min(1000, Self.directLookupRowBudget / max(1, rowsPerIntegration))))
        let lookups = coveredEverything ? [] : remaining.filter { withLogs.contains($0) }
        for start in stride(from: 0, to: lookups.count, by: perQuery) {
            let chunk = Array(lookups[start..<min(start + perQuery, lookups.count)])
            let rows = try latestRows(from: cutoffMilliseconds, before: nil, among: chunk)
            for (id, check) in rows.latest { evidence[id] = .latest(check) }
        }
        for id in withLogs where evidence[id] == nil {
            evidence[id] = cutoffMilliseconds == nil ? .noLogs : .onlyOlderThanMaxAge
        }
        return evidence
    }

    /// Oldest and newest `checkedAt` (milliseconds, floored), read from the ends of the index.
    private func checkedAtRange() throws -> (oldest: Int64, newest: Int64)? {
        let row = try connection.query(
            """
            SELECT floor(extract(epoch from min("checkedAt")) * 1000)::int8,
                   floor(extract(epoch from max("checkedAt")) * 1000)::int8
            FROM \(sql.schema.logTable)
            """
        ).first
        guard let oldest = row?.int64(0), let newest = row?.int64(1) else { return nil }
        return (oldest, newest)
    }

    /// The planner's row counts, to judge when reading by `integrationId` beats widening a window.
    private func averageRowsPerIntegration() throws -> Double {
        let row = try connection.query(
            // A partitioned log table has no row estimate of its own: add up its leaves'.
            """
            SELECT (SELECT sum(reltuples) FILTER (WHERE reltuples >= 0) FROM pg_class
                    WHERE oid IN (SELECT relid FROM pg_partition_tree(to_regclass($1)) WHERE isleaf)
                       OR (oid = to_regclass($1) AND relkind = 'r')),
                   (SELECT reltuples FROM pg_class WHERE oid = to_regclass($2))
            """,
            [sql.schema.logTable, sql.schema.integrationTable]
        ).first
        let logRows = row?.double(0) ?? -1
        let integrations = row?.double(1) ?? -1
        // Never analyzed: assume a month of 5-minute checks.
        guard logRows >= 0, integrations > 0 else { return 10_000 }
        return max(10, logRows / integrations)
    }

    /// The latest row per integration among rows with `checkedAt` in [from, before), optionally
    /// only for the given integrations; and how many rows that read.
    private func latestRows(
        from lower: Int64?, before upper: Int64?, among ids: [String]?
    ) throws -> (latest: [(String, LatestCheck)], rowsRead: Int) {
        var conditions: [String] = []
        var parameters: [any PostgresParameter] = []
        if let lower {
            parameters.append(PostgresTimestamp.format(epochMilliseconds: lower))
            conditions.append("l.\"checkedAt\" >= \(sql.checkedAtParameter("$\(parameters.count)"))")
        }
        if let upper {
            parameters.append(PostgresTimestamp.format(epochMilliseconds: upper))
            conditions.append("l.\"checkedAt\" < \(sql.checkedAtParameter("$\(parameters.count)"))")
        }
        if let ids {
            parameters.append(ids)
            conditions.append("l.\"integrationId\" = ANY($\(parameters.count)::\(sql.idArrayType))")
        }
        let result = try connection.query(
            """
            SELECT DISTINCT ON (l."integrationId")
                   l."integrationId"::text, l.status::text, \(BackfillSQL.epochMicrosecondsSQL("l.\"checkedAt\"")),
                   l."checkedAt"::text, l.id::text, count(*) OVER ()
            FROM \(sql.schema.logTable) l
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY l."integrationId", l."checkedAt" DESC, l.id DESC
            """, parameters)
        var latest: [(String, LatestCheck)] = []
        latest.reserveCapacity(result.rowCount)
        for row in result.rows {
            guard let id = row[0], let micros = row.int64(2), let text = row[3], let logId = row[4] else { continue }
            latest.append((id, LatestCheck(logId: logId, status: row[1].flatMap(HealthStatus.init(rawValue:)), checkedAtMicros: micros, checkedAtText: text)))
        }
        return (latest, result.first?.int(5) ?? 0)
    }

    /// Which of these integrations have at least one log row (one `integrationId` index probe each).
    private func integrationsWithLogs(_ ids: [String]) throws -> Set<String> {
        var found = Set<String>()
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let chunk = Array(ids[start..<min(start + 1000, ids.count)])
            let result = try connection.query(
                """
                SELECT u.id::text FROM unnest($1::\(sql.idArrayType)) AS u(id)
                WHERE EXISTS (SELECT 1 FROM \(sql.schema.logTable) l WHERE l."integrationId" = u.id)
                """, [chunk])
            for row in result.rows { if let id = row[0] { found.insert(id) } }
        }
        return found
    }
}
