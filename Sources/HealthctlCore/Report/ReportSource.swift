import Foundation
import Logging
import PostgresClient

/// Which integrations a report covers: all, or those matching every given filter.
public struct ReportSelection: Sendable, Equatable {
    public var integrationIds: [String]
    public var providers: [String]
    /// Customers (`"userId"`).
    public var userIds: [String]

    public init(integrationIds: [String] = [], providers: [String] = [], userIds: [String] = []) {
        self.integrationIds = integrationIds
        self.providers = providers
        self.userIds = userIds
    }

    var isFiltered: Bool { !integrationIds.isEmpty || !providers.isEmpty || !userIds.isEmpty }
}

/// Reads a report from the database in one consistent snapshot and builds it day by day: each
/// UTC day of the window is read (its log rows, or its rollup) into day pieces and merged, in
/// order, so memory holds a few days of checks at most, whatever the window's length.
///
/// Days are read by two connections at once, sharing the main connection's exported snapshot;
/// log rows come in PostgreSQL's binary COPY format, decoded straight from the bytes.
public enum ReportSource {
    /// Where the days of a report may come from.
    public enum DaySources: String, Sendable, CaseIterable {
        /// Rollups for days that match their log rows or whose rows were pruned; log rows otherwise.
        case auto
        /// Log rows only: pruned days have no data.
        case raw
    }

    public struct Request: Sendable {
        public var selection: ReportSelection
        public var window: ReportWindow
        public var settings: ReportSettings
        public var sources: DaySources
        /// `rollup.schema`; nil: derived from the application's schema.
        public var rollupSchema: String?
        /// Also compute each week's or month's numbers.
        public var bucketing: ReportBucketing?
        /// Compute each day's numbers (`IntegrationReport.daily`): the formats that show them
        /// need them; one CSV row per integration and the metrics do not.
        public var dailySeries = true
        /// Also read the window before and attach its numbers (`--compare previous`).
        public var compare = false
        /// Summaries per provider or customer.
        public var grouping: ReportGrouping?
        /// The report will be split by customer: the `"userId"` column must exist.
        public var needsUsers = false

        public init(
            selection: ReportSelection = ReportSelection(), window: ReportWindow, settings: ReportSettings = ReportSettings(),
            sources: DaySources = .auto, rollupSchema: String? = nil, bucketing: ReportBucketing? = nil
        ) {
            self.selection = selection
            self.window = window
            self.settings = settings
            self.sources = sources
            self.rollupSchema = rollupSchema
            self.bucketing = bucketing
        }
    }

    public struct Loaded: Sendable {
        public var report: Report
        /// Log rows read.
        public var rows: Int
    }

    /// Connections reading days at the same time.
    static let copyConnections = 2

    public static func report(
        target: ConnectionTarget, request: Request, nowMs: Int64, logger: Logger = Logger(label: "healthctl.report"),
        retry: ConnectionRetry = .reads
    ) throws -> Loaded {
        // On a standby, replaying the primary's changes can cancel a read (or end the session):
        // the whole read starts over on new connections, with a new snapshot.
        try retry.run("report", logger: logger) { _ in
            try loadOnce(target: target, request: request, nowMs: nowMs, logger: logger)
        }
    }

    private static func loadOnce(target: ConnectionTarget, request given: Request, nowMs: Int64, logger: Logger) throws -> Loaded {
        let started = ContinuousClock.now
        let main = try target.connect()
        let schema = try SchemaInspector.inspect(main, schema: target.schema)
        let source = try ServerRole.of(main)
        if source.isStandby { logger.info("reading from a standby, replayed until \(source.replayedUntilMs.map { ISOTime.format(epochMilliseconds: $0) } ?? "nothing yet")") }
        var request = given
        let resolved = try resolvePrefixes(main, schema: schema, ids: request.selection.integrationIds)
        for (id, prefix) in resolved {
            logger.notice("--integration \(prefix) is \(id)")
            request.selection.integrationIds = request.selection.integrationIds.map { $0 == prefix ? id : $0 }
        }
        let selection = request.selection
        if !selection.providers.isEmpty, !schema.hasProvider {
            throw ReportSelectionError.noProviderColumn
        }
        if !schema.hasUserId, let flag = !selection.userIds.isEmpty ? "--user" : request.grouping == .user ? "--group-by user" : request.needsUsers ? "--split-by user" : nil {
            throw ReportSelectionError.noUserColumn(flag: flag)
        }
        let governor = target.governor(stop: StopRequest(), logger: logger)
        return try databaseStep("reading the report data") {
            try withSharedSnapshot(main, logger: logger) { snapshot in
                let integrations = try loadIntegrations(main, schema: schema, selection: selection)
                try checkSelection(main, schema: schema, selection: selection, found: integrations)
                func build(_ window: ReportWindow) throws -> (report: Report, rows: Int) {
                    var windowRequest = request
                    windowRequest.window = window
                    let reading = DayReading(
                        schema: schema, integrations: integrations, request: windowRequest,
                        store: RollupStore(setting: request.rollupSchema, applicationSchema: target.schema), governor: governor)
                    let plan = try reading.plan(on: main)
                    var builder = ReportBuilder(
                        integrations: integrations, window: window, settings: request.settings, bucketing: request.bucketing,
                        dailySeries: request.dailySeries)
                    var rows = 0
                    var months: [String] = []
                    let batches = plan.batches
                    try BlockingWorkers.inOrder(
                        count: batches.count, workers: copyConnections, lookahead: copyConnections,
                        makeWorker: { () throws -> PostgresConnection in
                            let connection = try target.connect()
                            try connection.query(PostgresConnection.TransactionMode.repeatableReadOnly.rawValue)
                            if let snapshot { try connection.query("SET TRANSACTION SNAPSHOT '\(snapshot)'") }
                            return connection
                        },
                        produce: { connection, item in
                            try reading.read(on: connection, batch: batches[item], plan: plan)
                        },
                        beforeConsuming: {
                            // On the main connection, while the workers read the first days.
                            rows += try reading.addCarryIns(to: &builder, on: main, plan: plan)
                            logger.debug("read the carry-ins of \(window.label) at \(ContinuousClock.now - started)")
                        },
                        consume: { _, parts in
                            for part in parts {
                                switch part {
                                case let .day(day) where day.beforeWindow:
                                    builder.addBeforeWindow(day.pieces)
                                    rows += day.rows
                                case let .day(day):
                                    builder.add(day.source, pieces: day.pieces)
                                    rows += day.rows
                                case let .month(days, pieces):
                                    builder.add(month: days, pieces: pieces)
                                    months.append(days[0].date.monthText)
                                }
                            }
                        })
                    if !months.isEmpty { logger.debug("read \(months.count) months of \(window.label) from month rollups: \(months.joined(separator: ", "))") }
                    return (builder.finish(nowMs: nowMs, source: source), rows)
                }
                var (report, rows) = try build(request.window)
                if request.compare {
                    let previous = try build(request.window.previous)
                    report.compare(with: previous.report)
                    rows += previous.rows
                }
                if let grouping = request.grouping { report.group(by: grouping) }
                report.resolvedPrefixes = resolved
                if !schema.hasTokenExpiry && !schema.hasRefreshToken {
                    report.notes.append("the \"Integration\" table has no \"tokenExpiry\" or \"refreshToken\" column: token health is not known")
                }
                logger.debug("read \(rows) checks of \(integrations.count) integrations at \(ContinuousClock.now - started)")
                return Loaded(report: report, rows: rows)
            }
        }
    }

    /// Runs `body` in the main connection's read-only transaction, handing it the exported
    /// snapshot for the other connections. Where exporting is refused (some standbys and
    /// poolers), `body` runs in a new transaction with nil, and each connection reads its own
    /// snapshot: the days do not overlap, so no check is counted twice; only checks written
    /// meanwhile may differ.
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
            logger.notice("cannot share one snapshot between connections (\(error.message)); reading each day in its own")
            return try connection.transaction(.repeatableReadOnly) { try body(nil) }
        }
    }

    // MARK: Integrations

    private static func loadIntegrations(
        _ connection: PostgresConnection, schema: HealthSchema, selection: ReportSelection
    ) throws -> [IntegrationInfo] {
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
        if !selection.userIds.isEmpty {
            parameters.append(jsonArray(selection.userIds))
            conditions.append("\"userId\"::text IN (SELECT json_array_elements_text($\(parameters.count)::json))")
        }
        let result = try connection.query(integrationsSQL(schema: schema, conditions: conditions), parameters)
        let hasTokenColumns = schema.hasTokenExpiry || schema.hasRefreshToken
        return result.rows.map { row in
            var info = IntegrationInfo(
                id: row[0] ?? "", provider: row[1], healthStatus: HealthStatus(rawValue: row[2] ?? "") ?? .unknown,
                lastHealthCheckMs: row.int64(3), userId: row[4])
            if hasTokenColumns { info.token = TokenFacts(expiresAtMs: row.int64(5), hasAccessToken: row.bool(6), hasRefreshToken: row.bool(7)) }
            return info
        }
    }

    /// The report's one query of `"Integration"`: ids, provider, customer, current status and the
    /// token facts (never a token's value: see `TokenKnowledge.factsSQL`).
    static func integrationsSQL(schema: HealthSchema, conditions: [String]) -> String {
        let provider = schema.hasProvider ? "\"provider\"::text" : "NULL::text"
        let user = schema.hasUserId ? "\"userId\"::text" : "NULL::text"
        let token = TokenKnowledge.factsSQL(schema, alias: "")
        return """
            SELECT "id"::text, \(provider), "healthStatus"::text, \(HealthSchema.epochMillisecondsSQL("\"lastHealthCheck\"")), \(user),
                   \(token.expiresAt), \(token.hasAccessToken), \(token.hasRefreshToken)
            FROM \(schema.integrationTable)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY "id"::text
            """
    }

    /// The shortest prefix `--integration` may give for an id.
    public static let minimumPrefixLength = 6

    /// Requested ids that are no id but the prefix of exactly one (at least
    /// `minimumPrefixLength` characters): full id to prefix. A prefix of several is an error
    /// listing them; one of none is left for `checkSelection` to report.
    private static func resolvePrefixes(_ connection: PostgresConnection, schema: HealthSchema, ids: [String]) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        let existing = Set(try connection.query(
            "SELECT \"id\"::text FROM \(schema.integrationTable) WHERE \"id\"::text IN (SELECT json_array_elements_text($1::json))",
            [jsonArray(ids)]).rows.compactMap { $0[0] })
        var resolved: [String: String] = [:]
        for prefix in ids where !existing.contains(prefix) && prefix.count >= minimumPrefixLength {
            let candidates = try connection.query(
                "SELECT \"id\"::text FROM \(schema.integrationTable) WHERE starts_with(\"id\"::text, $1) ORDER BY 1 LIMIT 11", [prefix]).rows.compactMap { $0[0] }
            if candidates.count == 1 { resolved[candidates[0]] = prefix }
            if candidates.count > 1 { throw ReportSelectionError.ambiguousPrefix(prefix: prefix, candidates: Array(candidates.prefix(10)), more: candidates.count > 10) }
        }
        return resolved
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
        let foundUsers = Set(found.compactMap(\.userId))
        if let missing = selection.userIds.first(where: { !foundUsers.contains($0) }) {
            let all = try connection.query("SELECT DISTINCT \"userId\"::text FROM \(schema.integrationTable)").rows.compactMap { $0[0] }
            if !all.contains(missing) {
                throw ReportSelectionError.unknownUser(id: missing, suggestions: CloseMatches.find(missing, among: all))
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
        let users = "(SELECT current_setting('healthctl.report_users'))"
        if !selection.integrationIds.isEmpty || !selection.userIds.isEmpty {
            return """
                COPY (SELECT log.* FROM unnest(ARRAY(SELECT i."id" FROM \(schema.integrationTable) i
                    WHERE \(integrationCondition(schema: schema, alias: "i", ids: ids, providers: providers, users: users)))) AS selected(id)
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
        if selection.isFiltered { sql += "\n AND \(selectionCondition(schema: schema, ids: ids, providers: providers, users: users))" }
        return sql + ") TO STDOUT (FORMAT binary)"
    }

    /// Restricts log rows to the selected integrations; the lists are JSON arrays (empty: no filter).
    private static func selectionCondition(schema: HealthSchema, ids: String, providers: String, users: String) -> String {
        """
        "integrationId" IN (SELECT i."id" FROM \(schema.integrationTable) i
          WHERE \(integrationCondition(schema: schema, alias: "i", ids: ids, providers: providers, users: users)))
        """
    }

    /// The selected rows of "Integration" (as `alias`); empty JSON lists select everything.
    private static func integrationCondition(schema: HealthSchema, alias: String, ids: String, providers: String, users: String) -> String {
        let provider = schema.hasProvider ? "\(alias).\"provider\"::text" : "NULL::text"
        let user = schema.hasUserId ? "\(alias).\"userId\"::text" : "NULL::text"
        return """
            (json_array_length(\(ids)::json) = 0 OR \(alias)."id"::text IN (SELECT json_array_elements_text(\(ids)::json)))
            AND (json_array_length(\(providers)::json) = 0 OR \(provider) IN (SELECT json_array_elements_text(\(providers)::json)))
            AND (json_array_length(\(users)::json) = 0 OR \(user) IN (SELECT json_array_elements_text(\(users)::json)))
            """
    }

    static func jsonArray(_ values: [String]) -> String {
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
    case unknownUser(id: String, suggestions: [String])
    case noUserColumn(flag: String)
    case ambiguousPrefix(prefix: String, candidates: [String], more: Bool)

    public var category: FailureCategory { .usage }

    public var description: String {
        switch self {
        case let .unknownIntegration(id, suggestions):
            return "no integration with id \"\(id)\"" + Self.didYouMean(suggestions)
        case let .unknownProvider(name, suggestions):
            return "no integration with provider \"\(name)\"" + Self.didYouMean(suggestions)
        case .noProviderColumn:
            return "--provider needs a \"provider\" column, and the \"Integration\" table has none"
        case let .unknownUser(id, suggestions):
            return "no integration of user \"\(id)\"" + Self.didYouMean(suggestions)
        case let .ambiguousPrefix(prefix, candidates, more):
            return "--integration \"\(prefix)\" is the start of several ids: " + candidates.map { "\"\($0)\"" }.joined(separator: ", ")
                + (more ? " and more" : "") + "; give more of the id"
        case let .noUserColumn(flag):
            return "\(flag) needs the customer column \"userId\", and the \"Integration\" table has none"
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
