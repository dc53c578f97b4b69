import Foundation
import Logging
import PostgresClient

/// Which integrations a report covers: all, or those matching every given filter.
public struct ReportSelection: Sendable, Equatable {
    public var integrationIds: [String]
    public var providers: [String]

    public init(integrationIds: [String] = [], providers: [String] = []) {
        self.integrationIds = integrationIds
        self.providers = providers
    }

    var isFiltered: Bool { !integrationIds.isEmpty || !providers.isEmpty }
}

/// Reads what a report needs from the database, in one consistent snapshot: the integrations,
/// their checks in the window, and the last check before it.
///
/// The window's checks are read by two connections in parallel, each copying half the window by
/// time in PostgreSQL's binary COPY format, decoded straight from the bytes.
public enum ReportSource {
    public struct Loaded: Sendable {
        public var inputs: [IntegrationInput]
        public var messages: MessageTable
        public var rows: Int
        /// The server read from; on a standby, how current its data was when the read began.
        public var source: ServerRole
    }

    /// Connections copying the window's checks, each a slice of the window by time.
    static let copyConnections = 2

    public static func load(
        target: ConnectionTarget, selection: ReportSelection, window: ReportWindow, maxGap: ReportSettings.MaxGap,
        logger: Logger = Logger(label: "healthctl.report"), retry: RecoveryConflictRetry = .standard
    ) throws -> Loaded {
        // On a standby, replaying the primary's changes can cancel a read (or end the session):
        // the whole read starts over on new connections, with a new snapshot.
        try retry.run(logger: logger) {
            try loadOnce(target: target, selection: selection, window: window, maxGap: maxGap, logger: logger)
        }
    }

    private static func loadOnce(
        target: ConnectionTarget, selection: ReportSelection, window: ReportWindow, maxGap: ReportSettings.MaxGap, logger: Logger
    ) throws -> Loaded {
        let started = ContinuousClock.now
        func elapsed() -> Duration { ContinuousClock.now - started }
        let main = try target.connect()
        let schema = try SchemaInspector.inspect(main, schema: target.schema)
        let source = try ServerRole.of(main)
        if source.isStandby { logger.info("reading from a standby, replayed until \(source.replayedUntilMs.map { ISOTime.format(epochMilliseconds: $0) } ?? "nothing yet")") }
        if !selection.providers.isEmpty, !schema.hasProvider {
            throw ReportSelectionError.noProviderColumn
        }
        return try databaseStep("reading the report data") {
            try withSharedSnapshot(main, logger: logger) { snapshot in
                let integrations = try loadIntegrations(main, schema: schema, selection: selection)
                try checkSelection(main, schema: schema, selection: selection, found: integrations)

                let index = IntegrationIndex(ids: integrations.map(\.id))
                let (series, messages, rows) = try copyChecks(
                    target: target, schema: schema, snapshot: snapshot, selection: selection, window: window, index: index)
                logger.debug("copied \(rows) checks of \(integrations.count) integrations at \(elapsed())")
                var inputs = zip(integrations, series).map { IntegrationInput(info: $0.0, series: $0.1) }
                let gaps = parallelMap(inputs.count) { [inputs] in PeriodCalculator.maxGapMs(maxGap, times: inputs[$0].series.times) }
                for position in inputs.indices { inputs[position].maxGapMs = gaps[position] }
                let lookbackMs = gaps.max() ?? 0
                let carryIns = try loadCarryIns(main, schema: schema, selection: selection, window: window, lookbackMs: lookbackMs)
                logger.debug("read \(carryIns.count) carry-in checks (looking back \(lookbackMs / 1000) s) at \(elapsed())")
                for position in inputs.indices {
                    inputs[position].carryIn = carryIns[inputs[position].info.id]
                }
                return Loaded(inputs: inputs, messages: messages, rows: rows, source: source)
            }
        }
    }

    /// Runs `body` in the main connection's read-only transaction, handing it the exported
    /// snapshot for the copy connections. Where exporting is refused (some standbys and
    /// poolers), `body` runs in a new transaction with nil, and each connection reads its own
    /// snapshot: the time slices do not overlap, so no check is counted twice; only checks
    /// written meanwhile may differ.
    private static func withSharedSnapshot<Value>(
        _ connection: PostgresConnection, logger: Logger, _ body: (String?) throws -> Value
    ) throws -> Value {
        var exported = false
        do {
            return try connection.transaction(.repeatableReadOnly) {
                let name = try connection.query("SELECT pg_export_snapshot()").first?.string(0) ?? ""
                exported = true
                return try body(!name.isEmpty && name.allSatisfy({ $0.isHexDigit || $0 == "-" }) ? name : nil)
            }
        } catch let error as PostgresError where !exported {
            logger.notice("cannot share one snapshot between connections (\(error.message)); reading each time slice in its own")
            return try connection.transaction(.repeatableReadOnly) { try body(nil) }
        }
    }

    // MARK: Integrations

    private static func loadIntegrations(
        _ connection: PostgresConnection, schema: HealthSchema, selection: ReportSelection
    ) throws -> [IntegrationInfo] {
        let provider = schema.hasProvider ? "\"provider\"::text" : "NULL::text"
        var conditions: [String] = []
        var parameters: [any PostgresParameter] = []
        if !selection.integrationIds.isEmpty {
            parameters.append(jsonArray(selection.integrationIds))
            conditions.append("\"id\"::text IN (SELECT json_array_elements_text($\(parameters.count)::json))")
        }
        if !selection.providers.isEmpty {
            parameters.append(jsonArray(selection.providers))
            conditions.append("\"provider\"::text IN (SELECT json_array_elements_text($\(parameters.count)::json))")
        }
        let result = try connection.query(
            """
            SELECT "id"::text, \(provider), "healthStatus"::text, \(HealthSchema.epochMillisecondsSQL("\"lastHealthCheck\""))
            FROM \(schema.integrationTable)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY "id"::text
            """, parameters)
        return result.rows.map { row in
            IntegrationInfo(
                id: row[0] ?? "", provider: row[1], healthStatus: HealthStatus(rawValue: row[2] ?? "") ?? .unknown,
                lastHealthCheckMs: row.int64(3))
        }
    }

    /// Every requested id must exist; every requested provider must have integrations.
    private static func checkSelection(
        _ connection: PostgresConnection, schema: HealthSchema, selection: ReportSelection, found: [IntegrationInfo]
    ) throws {
        let foundIds = Set(found.map(\.id))
        if let missing = selection.integrationIds.first(where: { !foundIds.contains($0) }) {
            let all = try connection.query("SELECT \"id\"::text FROM \(schema.integrationTable)").rows.compactMap { $0[0] }
            if !all.contains(missing) {
                throw ReportSelectionError.unknownIntegration(id: missing, suggestions: CloseMatches.find(missing, among: all))
            }
        }
        let foundProviders = Set(found.compactMap(\.provider))
        if let missing = selection.providers.first(where: { !foundProviders.contains($0) }) {
            let all = try connection.query("SELECT DISTINCT \"provider\"::text FROM \(schema.integrationTable)").rows.compactMap { $0[0] }
            if !all.contains(missing) {
                throw ReportSelectionError.unknownProvider(name: missing, suggestions: CloseMatches.find(missing, among: all))
            }
        }
    }

    // MARK: Checks

    private static func copyChecks(
        target: ConnectionTarget, schema: HealthSchema, snapshot: String?, selection: ReportSelection, window: ReportWindow,
        index: IntegrationIndex
    ) throws -> ([CheckSeries], MessageTable, Int) {
        let sql = copySQL(schema: schema, selection: selection)
        let ids = jsonArray(selection.integrationIds)
        let providers = jsonArray(selection.providers)
        let slices = timeSlices(window, count: copyConnections)
        var decoders = try BlockingWorkers.run(slices.count) { slice -> Result<CheckCopyDecoder, any Error> in
            Result {
                let connection = try target.connect()
                return try connection.transaction(.repeatableReadOnly) {
                    if let snapshot { try connection.query("SET TRANSACTION SNAPSHOT '\(snapshot)'") }
                    try connection.set("healthctl.report_since", PostgresTimestamp.format(epochMilliseconds: slices[slice].lowerBound), local: true)
                    try connection.set("healthctl.report_until", PostgresTimestamp.format(epochMilliseconds: slices[slice].upperBound), local: true)
                    try connection.set("healthctl.report_ids", ids, local: true)
                    try connection.set("healthctl.report_providers", providers, local: true)
                    var decoder = CheckCopyDecoder(index: index)
                    try connection.copyOut(sql) { try decoder.consume($0) }
                    return decoder
                }
            }
        }.map { try $0.get() }
        var messages = MessageTable()
        let offsets = decoders.map { messages.append($0.messages) }
        // Stitch the slices integration by integration into exactly sized arrays, freeing each
        // slice's arrays as soon as they are copied, so the peak stays near one copy of the checks.
        let series = (0..<index.count).map { position in
            let parts = decoders.indices.map { decoders[$0].takeSeries(at: position) }
            var merged = CheckSeries(concatenating: parts, messageOffsets: offsets)
            merged.sortByTime()
            return merged
        }
        return (series, messages, decoders.reduce(0) { $0 + $1.rows })
    }

    /// `[since, until)` cut into `count` consecutive slices of equal length.
    static func timeSlices(_ window: ReportWindow, count: Int) -> [Range<Int64>] {
        let step = max(window.lengthMs / Int64(count), 1)
        var bounds = (0..<count).map { window.sinceMs + Int64($0) * step }.filter { $0 < window.untilMs }
        bounds.append(window.untilMs)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }
    }

    /// COPY takes no parameters, so the bounds and filters come from transaction-local settings,
    /// read once each through scalar subqueries.
    ///
    /// With `--integration` ids, each selected integration's rows are read through the
    /// `integrationId` index (the time condition is kept off the `checkedAt` index, which the
    /// planner would otherwise pick without knowing the bounds): a few integrations over a long
    /// window cost their own rows, not the whole window's.
    static func copySQL(schema: HealthSchema, selection: ReportSelection) -> String {
        func bound(_ name: String) -> String {
            "(SELECT \(HealthSchema.timestampParameterSQL("current_setting('healthctl.\(name)')", schema.checkedAtType)))"
        }
        let responseTime = schema.logColumns.first { $0.name == "responseTime" }.map { ["int2", "int4", "int8"].contains($0.typeName) } == true
            ? "\"responseTime\"" : "round(\"responseTime\")::int8"
        // Binary COPY sends text and enum labels alike as their bytes, so only ids that are not
        // `text` need a cast (uuid, integers; `char(n)` to drop its padding as `"id"::text` does).
        let idIsText = schema.logColumns.first { $0.name == "integrationId" }?.typeName == "text"
        let columns = "\(idIsText ? "\"integrationId\"" : "\"integrationId\"::text"), \"status\", \"checkedAt\", \(responseTime), \"errorMessage\""
        let ids = "(SELECT current_setting('healthctl.report_ids'))"
        let providers = "(SELECT current_setting('healthctl.report_providers'))"
        if !selection.integrationIds.isEmpty {
            return """
                COPY (SELECT log.* FROM unnest(ARRAY(SELECT i."id" FROM \(schema.integrationTable) i
                    WHERE \(integrationCondition(schema: schema, alias: "i", ids: ids, providers: providers)))) AS selected(id)
                  CROSS JOIN LATERAL (SELECT \(columns) FROM \(schema.logTable)
                    WHERE "integrationId" = selected.id
                      AND "checkedAt" + interval '0 seconds' >= \(bound("report_since"))
                      AND "checkedAt" + interval '0 seconds' < \(bound("report_until"))
                    OFFSET 0) AS log
                ) TO STDOUT (FORMAT binary)
                """
        }
        var sql = """
            COPY (SELECT \(columns)
            FROM \(schema.logTable)
            WHERE "checkedAt" >= \(bound("report_since")) AND "checkedAt" < \(bound("report_until"))
            """
        if selection.isFiltered { sql += "\n AND \(selectionCondition(schema: schema, ids: ids, providers: providers))" }
        return sql + ") TO STDOUT (FORMAT binary)"
    }

    /// Restricts log rows to the selected integrations; the lists are JSON arrays (empty: no filter).
    private static func selectionCondition(schema: HealthSchema, ids: String, providers: String) -> String {
        """
        "integrationId" IN (SELECT i."id" FROM \(schema.integrationTable) i
          WHERE \(integrationCondition(schema: schema, alias: "i", ids: ids, providers: providers)))
        """
    }

    /// The selected rows of "Integration" (as `alias`); empty JSON lists select everything.
    private static func integrationCondition(schema: HealthSchema, alias: String, ids: String, providers: String) -> String {
        let provider = schema.hasProvider ? "\(alias).\"provider\"::text" : "NULL::text"
        return """
            (json_array_length(\(ids)::json) = 0 OR \(alias)."id"::text IN (SELECT json_array_elements_text(\(ids)::json)))
            AND (json_array_length(\(providers)::json) = 0 OR \(provider) IN (SELECT json_array_elements_text(\(providers)::json)))
            """
    }

    // MARK: Carry-in

    /// The last check before the window per integration, looking back `lookbackMs` (a check
    /// further back cannot reach into the window).
    private static func loadCarryIns(
        _ connection: PostgresConnection, schema: HealthSchema, selection: ReportSelection, window: ReportWindow, lookbackMs: Int64
    ) throws -> [String: CarryIn] {
        guard lookbackMs > 0 else { return [:] }
        let result = try connection.query(
            """
            SELECT DISTINCT ON ("integrationId") "integrationId"::text, "status"::text,
                   \(HealthSchema.epochMillisecondsSQL("\"checkedAt\"")), "errorMessage"::text
            FROM \(schema.logTable)
            WHERE "checkedAt" >= \(HealthSchema.timestampParameterSQL("$1", schema.checkedAtType))
              AND "checkedAt" < \(HealthSchema.timestampParameterSQL("$2", schema.checkedAtType))
              AND \(selectionCondition(schema: schema, ids: "$3", providers: "$4"))
            ORDER BY "integrationId", "checkedAt" DESC
            """,
            [
                PostgresTimestamp.format(epochMilliseconds: window.sinceMs - lookbackMs), PostgresTimestamp.format(epochMilliseconds: window.sinceMs),
                jsonArray(selection.integrationIds), jsonArray(selection.providers),
            ])
        var carryIns: [String: CarryIn] = [:]
        for row in result.rows {
            guard let id = row[0], let timeMs = row.int64(2) else { continue }
            carryIns[id] = CarryIn(timeMs: timeMs, status: HealthStatus(rawValue: row[1] ?? "") ?? .unknown, errorMessage: row[3])
        }
        return carryIns
    }

    private static func jsonArray(_ values: [String]) -> String {
        var out = "["
        for (position, value) in values.enumerated() {
            if position > 0 { out += "," }
            JSONValue.quote(value, into: &out)
        }
        return out + "]"
    }
}

public enum ReportSelectionError: CategorizedError, Equatable, Sendable {
    case unknownIntegration(id: String, suggestions: [String])
    case unknownProvider(name: String, suggestions: [String])
    case noProviderColumn

    public var category: FailureCategory { .usage }

    public var description: String {
        switch self {
        case let .unknownIntegration(id, suggestions):
            return "no integration with id \"\(id)\"" + Self.didYouMean(suggestions)
        case let .unknownProvider(name, suggestions):
            return "no integration with provider \"\(name)\"" + Self.didYouMean(suggestions)
        case .noProviderColumn:
            return "--provider needs a \"provider\" column, and the \"Integration\" table has none"
        }
    }

    private static func didYouMean(_ suggestions: [String]) -> String {
        suggestions.isEmpty ? "" : "; did you mean " + suggestions.map { "\"\($0)\"" }.joined(separator: ", ") + "?"
    }
}

extension CheckCopyError: CategorizedError {
    var category: FailureCategory { .internalError }
    var description: String {
        switch self {
        case let .malformed(what): return "reading the checks failed: unexpected COPY data (\(what))"
        }
    }
}
