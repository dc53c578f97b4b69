import Logging
import PostgresClient

/// The result of `healthctl doctor`: a checklist a person can read, and the same as JSON.
public struct DoctorReport: Sendable, Codable {
    public enum Outcome: String, Sendable, Codable { case ok, warning, failed }

    public struct Check: Sendable, Codable {
        public var name: String
        public var outcome: Outcome
        public var detail: String
    }

    public struct ConnectionInfo: Sendable, Codable {
        public var serverVersion: String
        public var database: String
        public var user: String
        public var schema: String
        public var source: String
    }

    public struct Statistics: Sendable, Codable {
        public var integrations: Int
        public var logRows: Int
        public var oldestCheckedAt: String?
        public var newestCheckedAt: String?
        public var unknownIntegrations: Int
    }

    public var connection: ConnectionInfo
    public var checks: [Check]
    public var statistics: Statistics?
    public var advice: [String]
    /// The first missing or unsupported object, when the database is not usable.
    public var problem: String?

    public var usable: Bool { problem == nil }
}

/// Checks a database against migration 005 and gathers the numbers a person wants to see first.
public enum Doctor {
    /// - Parameter rollupSchema: `rollup.schema`; nil: derived from the application's schema.
    public static func run(target: ConnectionTarget, rollupSchema: String? = nil, logger: Logger = Logger(label: "healthctl.doctor")) throws -> DoctorReport {
        let started = ContinuousClock.now
        var step = started
        /// Logs how long the step that just ended took.
        func finished(_ what: String) {
            let now = ContinuousClock.now
            logger.debug("\(what) in \(now - step)")
            step = now
        }
        logger.debug("connecting to \(target.url.redactedDescription) (from \(target.source.rawValue))")
        let connection = try target.connect()
        finished("connected")
        let info = DoctorReport.ConnectionInfo(
            serverVersion: connection.parameterStatus("server_version") ?? connection.serverVersion,
            database: connection.databaseName, user: connection.userName, schema: target.schema,
            source: target.source.rawValue)
        var checks = [DoctorReport.Check(name: "connection", outcome: .ok, detail: "PostgreSQL \(info.serverVersion), database \(info.database) as \(info.user)")]

        let schema: HealthSchema
        do {
            schema = try SchemaInspector.inspect(connection, schema: target.schema)
        } catch let error as SchemaError {
            checks.append(.init(name: "migration 005", outcome: .failed, detail: error.description))
            return DoctorReport(connection: info, checks: checks, statistics: nil, advice: [], problem: error.description)
        }
        finished("read the schema \"\(target.schema)\": \(schema.integrationColumns.count) columns of \"Integration\", \(schema.logColumns.count) of \"IntegrationHealthLog\"")
        checks += objectChecks(schema)
        checks += try serverChecks(schema, connection)
        finished("checked the objects and the server")
        checks += try rollupChecks(schema, connection, store: RollupStore(setting: rollupSchema, applicationSchema: target.schema))
        finished("checked the rollups")
        let statistics = try gatherStatistics(schema, connection)
        finished("gathered the statistics")
        for check in checks where check.outcome != .ok { logger.debug("\(check.name): \(check.outcome.rawValue): \(check.detail)") }
        logger.debug("doctor done in \(ContinuousClock.now - started): \(checks.count) checks, \(checks.filter { $0.outcome != .ok }.count) not ok")
        return DoctorReport(connection: info, checks: checks, statistics: statistics, advice: advice(schema, statistics), problem: nil)
    }

    /// The server's role, and the partitions of the log table with pg_partman's configuration.
    static func serverChecks(_ schema: HealthSchema, _ connection: PostgresConnection) throws -> [DoctorReport.Check] {
        var checks: [DoctorReport.Check] = []
        let activity = try databaseStep("looking at the other sessions") { try LoadGovernor.probe(connection) }
        checks.append(activity.hidden > 0
            ? .init(
                name: "pacing", outcome: .warning,
                detail: "\(activity.hidden) sessions of other roles are hidden from \(connection.userName), so jobs yield as though they were busy; GRANT pg_read_all_stats TO \(quoteIdentifier(connection.userName)) lets them see")
            : .init(
                name: "pacing", outcome: .ok,
                detail: "every session on the server is visible: jobs run at full speed while no other is busy and yield while one is (\(activity.busy.count) busy now)"))
        let role = try ServerRole.of(connection)
        if role.isStandby {
            let asOf = role.replayedUntilMs.map { "replayed until \(ISOTime.format(epochMilliseconds: $0))" } ?? "nothing replayed yet"
            checks.append(.init(
                name: "server role", outcome: .warning,
                detail: "a read-only standby (\(asOf)): report works here; prune, backfill, archive restore and seed need the primary"))
        }
        guard try PartitionCatalog.isPartitioned(connection, schema: schema) else { return checks }
        let children = try PartitionCatalog.children(connection, schema: schema)
        let ranged = children.filter { !$0.isDefault }
        let now = ISOTime.nowMilliseconds()
        let premade = ranged.filter { ($0.lowerMs ?? .min) > now }.count
        let first = ranged.compactMap(\.lowerMs).min().map { ISOTime.format(epochMilliseconds: $0) } ?? "-"
        let last = ranged.compactMap(\.upperMs).max().map { ISOTime.format(epochMilliseconds: $0) } ?? "-"
        checks.append(.init(
            name: "partitions", outcome: .ok,
            detail: "partitioned by range of \"checkedAt\": \(ranged.count) children from \(first) to \(last), \(premade) premade for the future"))
        if let pending = children.first(where: \.detachPending) {
            checks.append(.init(
                name: "partition \(pending.table.qualified)", outcome: .warning,
                detail: "an interrupted DETACH ... CONCURRENTLY: the next prune finishes it (or ALTER TABLE ... DETACH PARTITION ... FINALIZE)"))
        }
        if let fallback = children.first(where: \.isDefault) {
            let rows = try databaseStep("counting rows in the default partition") {
                try connection.query("SELECT count(*) FROM ONLY \(fallback.table.qualified)").first?.int(0) ?? 0
            }
            checks.append(rows == 0
                ? .init(name: "default partition", outcome: .ok, detail: "\(fallback.table.qualified) is empty")
                : .init(
                    name: "default partition", outcome: .warning,
                    detail: "\(rows) rows in \(fallback.table.qualified): no child covers their time; prune deletes them batch by batch, and DETACH CONCURRENTLY is not possible beside it"))
        } else {
            checks.append(.init(name: "default partition", outcome: .ok, detail: "none: a row with no child for its time is refused by the server"))
        }
        if let partman = try PartitionCatalog.partman(connection, schema: schema) {
            let retention = partman.retention.map { "retention \($0)\(partman.retentionKeepTable ? ", keeping detached tables" : "")" } ?? "no retention"
            let detail = "pg_partman manages it: interval \(partman.partitionInterval), premake \(partman.premake), \(retention)"
            if partman.dropsChildren {
                checks.append(.init(
                    name: "pg_partman", outcome: .warning,
                    detail: detail + ": it drops children healthctl has not archived, so prune refuses to run; set retention to NULL and let prune archive them"))
            } else if partman.retention != nil {
                checks.append(.init(
                    name: "pg_partman", outcome: .warning,
                    detail: detail + ": it detaches old children itself, which takes their rows out of the log table without an archive"))
            } else {
                checks.append(.init(name: "pg_partman", outcome: .ok, detail: detail))
            }
        }
        return checks
    }

    /// Rollup coverage: the days rolled up, the last one, and complete days with log rows that
    /// no current rollup holds (what a report would lose if prune took them).
    static func rollupChecks(_ schema: HealthSchema, _ connection: PostgresConnection, store: RollupStore) throws -> [DoctorReport.Check] {
        guard try store.exists(on: connection) else {
            return [.init(
                name: "rollups", outcome: .warning,
                detail: "no rollup tables in schema \"\(store.schema)\": run healthctl rollup nightly before prune, so reports keep the days prune deletes")]
        }
        let rolled = try store.days(on: connection)
        let today = CalendarDay(containing: ISOTime.nowMilliseconds())
        let lacking = try store.daysNotRolledUp(on: connection, schema: schema, before: today.startMs)
        var detail = "schema \"\(store.schema)\": \(rolled.count) days rolled up"
        if let first = rolled.keys.min(), let last = rolled.keys.max() { detail += ", \(first.text) to \(last.text) (last day rolled up)" }
        if let months = try store.monthCoverage(on: connection), months.months > 0 {
            detail += ", \(months.months) month\(months.months == 1 ? "" : "s") merged"
            if months.outOfDate > 0 { detail += " (\(months.outOfDate) out of date until the next healthctl rollup)" }
        }
        guard lacking.isEmpty else {
            let shown = lacking.prefix(5).map(\.text).joined(separator: ", ")
            detail += "; \(lacking.count) complete days with log rows have no current rollup (\(shown)\(lacking.count > 5 ? ", ..." : "")): run healthctl rollup, or prune refuses them"
            return [.init(name: "rollups", outcome: .warning, detail: detail)]
        }
        return [.init(name: "rollups", outcome: .ok, detail: detail + "; every complete day with log rows is rolled up")]
    }

    static func objectChecks(_ schema: HealthSchema) -> [DoctorReport.Check] {
        var checks: [DoctorReport.Check] = []
        if let labels = schema.statusEnumLabels {
            let missing = HealthStatus.allCases.map(\.rawValue).filter { !labels.contains($0) }
            checks.append(.init(
                name: "enum \"IntegrationHealthStatus\"", outcome: missing.isEmpty ? .ok : .warning,
                detail: missing.isEmpty ? labels.joined(separator: ", ") : "missing values: \(missing.joined(separator: ", "))"))
        } else {
            checks.append(.init(name: "enum \"IntegrationHealthStatus\"", outcome: .warning, detail: "not found; status columns are text"))
        }
        func column(_ table: String, _ columns: [HealthSchema.Column], _ name: String) {
            guard let column = columns.first(where: { $0.name == name }) else { return }
            checks.append(.init(name: "column \"\(table)\".\"\(name)\"", outcome: .ok, detail: column.formattedType + (column.notNull ? " not null" : "")))
        }
        column("Integration", schema.integrationColumns, "healthStatus")
        column("Integration", schema.integrationColumns, "lastHealthCheck")
        checks.append(.init(name: "table \"IntegrationHealthLog\"", outcome: .ok, detail: "\(schema.logColumns.count) columns"))
        for name in ["id", "integrationId", "status", "errorMessage", "responseTime", "checkedAt"] {
            column("IntegrationHealthLog", schema.logColumns, name)
        }
        let expectedIndexes: [(String, [HealthSchema.Index], String)] = [
            ("Integration_healthStatus_idx", schema.integrationIndexes, "healthStatus"),
            ("IntegrationHealthLog_integrationId_idx", schema.logIndexes, "integrationId"),
            ("IntegrationHealthLog_checkedAt_idx", schema.logIndexes, "checkedAt"),
            ("IntegrationHealthLog_status_idx", schema.logIndexes, "status"),
        ]
        for (name, indexes, column) in expectedIndexes {
            if indexes.contains(where: { $0.name == name }) {
                checks.append(.init(name: "index \"\(name)\"", outcome: .ok, detail: "on (\"\(column)\")"))
            } else if let other = indexes.first(where: { $0.columns.first == column }) {
                checks.append(.init(name: "index \"\(name)\"", outcome: .ok, detail: "found as \"\(other.name)\""))
            } else {
                checks.append(.init(name: "index \"\(name)\"", outcome: .warning, detail: "missing: queries on \"\(column)\" scan the whole table"))
            }
        }
        if let foreignKey = schema.foreignKey {
            checks.append(.init(
                name: "foreign key \"\(foreignKey.name)\"", outcome: foreignKey.onDelete == "CASCADE" ? .ok : .warning,
                detail: "ON DELETE \(foreignKey.onDelete)"))
        } else {
            checks.append(.init(name: "foreign key to \"Integration\"", outcome: .warning, detail: "missing: orphaned log rows are possible"))
        }
        return checks
    }

    static func gatherStatistics(_ schema: HealthSchema, _ connection: PostgresConnection) throws -> DoctorReport.Statistics {
        try databaseStep("counting rows") {
            let checkedAt = HealthSchema.epochMillisecondsSQL(quoteIdentifier("checkedAt"))
            let logs = try connection.query("SELECT count(*), min(\(checkedAt)), max(\(checkedAt)) FROM \(schema.logTable)")
            let integrations = try connection.query(
                "SELECT count(*), count(*) FILTER (WHERE \(quoteIdentifier("healthStatus"))::text = 'UNKNOWN') FROM \(schema.integrationTable)")
            return DoctorReport.Statistics(
                integrations: integrations.first?.int(0) ?? 0,
                logRows: logs.first?.int(0) ?? 0,
                oldestCheckedAt: logs.first?.int64(1).map { ISOTime.format(epochMilliseconds: $0) },
                newestCheckedAt: logs.first?.int64(2).map { ISOTime.format(epochMilliseconds: $0) },
                unknownIntegrations: integrations.first?.int(1) ?? 0)
        }
    }

    static func advice(_ schema: HealthSchema, _ statistics: DoctorReport.Statistics) -> [String] {
        var advice: [String] = []
        if !schema.logHasIndex(startingWith: ["checkedAt", "id"]) {
            advice.append(
                "prune walks rows in (\"checkedAt\", \"id\") order; an index makes each batch cheap: "
                    + "CREATE INDEX CONCURRENTLY \"IntegrationHealthLog_checkedAt_id_idx\" ON \(schema.logTable) (\"checkedAt\", \"id\");")
        }
        if !schema.logHasIndex(startingWith: ["integrationId", "checkedAt"]) {
            advice.append(
                "report and backfill read each integration's checks by time; this index helps on large tables: "
                    + "CREATE INDEX CONCURRENTLY \"IntegrationHealthLog_integrationId_checkedAt_idx\" ON \(schema.logTable) (\"integrationId\", \"checkedAt\");")
        }
        if statistics.unknownIntegrations > 0 {
            advice.append("\(statistics.unknownIntegrations) integrations still have status UNKNOWN: run `healthctl backfill --dry-run`, then `healthctl backfill`.")
        }
        if schema.foreignKey?.onDelete != "CASCADE" {
            advice.append("without ON DELETE CASCADE, deleting an integration leaves or blocks its log rows.")
        }
        return advice
    }
}

extension DoctorReport {
    private enum SummaryKeys: String, CodingKey { case usable }

    /// The stored fields plus `usable`, so a machine need not infer it from `problem` being absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(connection, forKey: .connection)
        try container.encode(checks, forKey: .checks)
        try container.encodeIfPresent(statistics, forKey: .statistics)
        try container.encode(advice, forKey: .advice)
        try container.encodeIfPresent(problem, forKey: .problem)
        var summary = encoder.container(keyedBy: SummaryKeys.self)
        try summary.encode(usable, forKey: .usable)
    }

    /// The checklist for a terminal.
    public func renderText() -> String {
        var lines: [String] = []
        lines.append("healthctl doctor")
        lines.append("  server    PostgreSQL \(connection.serverVersion)")
        lines.append("  database  \(connection.database) (user \(connection.user), schema \(connection.schema), from \(connection.source))")
        lines.append("")
        for check in checks {
            let mark: String
            switch check.outcome {
            case .ok: mark = "[ok]  "
            case .warning: mark = "[warn]"
            case .failed: mark = "[FAIL]"
            }
            lines.append("\(mark) \(check.name): \(check.detail)")
        }
        if let statistics {
            lines.append("")
            lines.append("integrations          \(statistics.integrations)")
            lines.append("  still UNKNOWN       \(statistics.unknownIntegrations)")
            lines.append("health log rows       \(statistics.logRows)")
            lines.append("  oldest checkedAt    \(statistics.oldestCheckedAt ?? "-")")
            lines.append("  newest checkedAt    \(statistics.newestCheckedAt ?? "-")")
        }
        if !advice.isEmpty {
            lines.append("")
            lines.append("advice:")
            lines += advice.map { "  - \($0)" }
        }
        lines.append("")
        lines.append(usable ? "database is usable by healthctl" : "database is NOT usable: \(problem ?? "")")
        return lines.joined(separator: "\n") + "\n"
    }
}
