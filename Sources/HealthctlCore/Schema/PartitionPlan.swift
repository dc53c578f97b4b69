import PostgresClient

/// `schema partition-plan`: the DDL that turns an existing, plain log table into one partitioned
/// by range of `"checkedAt"`, printed, never run. No row is copied: the existing table becomes
/// the partition of everything before the cutover (a CHECK, validated online first, lets the
/// attach skip the scan), and new children start at the cutover.
public struct PartitionPlan: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var title: String
        public var statements: [String]
        /// False for statements PostgreSQL refuses inside a transaction block (CONCURRENTLY).
        public var inTransaction: Bool
    }

    public var table: String
    /// The first instant the new children hold; the plan must run before it.
    public var cutover: CalendarDay
    public var steps: [Step]

    /// Reads the log table's indexes and foreign key and plans children of `interval` from the
    /// cutover (the first child boundary at least a day after `nowMs`) for `premakeDays`.
    public static func make(target: ConnectionTarget, interval: PartitionInterval, premakeDays: Int, nowMs: Int64) throws -> PartitionPlan {
        let connection = try target.connect()
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
        if try PartitionCatalog.isPartitioned(connection, schema: schema) { throw SchemaError.alreadyPartitioned(table: schema.logTable) }
        let foreignKeys = try databaseStep("reading the log table's foreign keys") {
            try connection.query(
                """
                SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = to_regclass($1) AND contype = 'f' ORDER BY conname
                """, [schema.logTable]
            ).rows.compactMap { row in row[0].flatMap { name in row[1].map { (name, $0) } } }
        }
        let primaryKey = try databaseStep("reading the log table's primary key") {
            try connection.query("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'", [schema.logTable]).first?.string(0)
        }
        return plan(schema: schema, primaryKey: primaryKey, foreignKeys: foreignKeys, interval: interval, premakeDays: premakeDays, nowMs: nowMs)
    }

    /// The plan from what the catalog said (pure, for tests).
    static func plan(
        schema: HealthSchema, primaryKey: String?, foreignKeys: [(name: String, definition: String)], interval: PartitionInterval,
        premakeDays: Int, nowMs: Int64
    ) -> PartitionPlan {
        var cutover = interval.start(of: CalendarDay(containing: nowMs + CalendarDay.dayMs))
        if cutover.startMs < nowMs + CalendarDay.dayMs { cutover = interval.next(after: cutover) }
        let name = HealthSchema.logTableName
        let parent = schema.logTable
        func table(_ suffix: String) -> String { qualifiedName(schema: schema.schema, name + suffix) }
        let legacy = table("_legacy")
        let bound = "'\(cutover.text)'"
        let keyIndex = quoteIdentifier(name + "_id_checkedAt_key")
        let check = quoteIdentifier(name + "_legacy_bound")
        let secondary = schema.logIndexes.filter { !$0.isUnique || $0.columns != ["id"] }.filter { $0.name != name + "_id_checkedAt_key" }

        var prepare = [
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \(keyIndex) ON \(parent) (\"id\", \"checkedAt\");",
        ]
        prepare.append("ALTER TABLE \(parent) ADD CONSTRAINT \(check) CHECK (\"checkedAt\" IS NOT NULL AND \"checkedAt\" < \(bound)) NOT VALID;")
        var swap = ["SET LOCAL lock_timeout = '5s';", "ALTER TABLE \(parent) RENAME TO \(quoteIdentifier(name + "_legacy"));"]
        if let primaryKey { swap.append("ALTER TABLE \(legacy) DROP CONSTRAINT \(quoteIdentifier(primaryKey));") }
        swap.append("ALTER TABLE \(legacy) ADD CONSTRAINT \(quoteIdentifier(name + "_legacy_pkey")) PRIMARY KEY USING INDEX \(keyIndex);")
        for index in secondary {
            swap.append("ALTER INDEX \(qualifiedName(schema: schema.schema, index.name)) RENAME TO \(quoteIdentifier(index.name + "_legacy"));")
        }
        for (constraint, _) in foreignKeys {
            swap.append("ALTER TABLE \(legacy) RENAME CONSTRAINT \(quoteIdentifier(constraint)) TO \(quoteIdentifier(constraint + "_legacy"));")
        }
        swap.append(
            "CREATE TABLE \(parent) (LIKE \(legacy) INCLUDING DEFAULTS, CONSTRAINT \(quoteIdentifier(name + "_pkey")) PRIMARY KEY (\"id\", \"checkedAt\")) PARTITION BY RANGE (\"checkedAt\");")
        swap.append("ALTER TABLE \(parent) ATTACH PARTITION \(legacy) FOR VALUES FROM (MINVALUE) TO (\(bound));")
        for (lower, upper) in PartitionedLogTable.children(
            interval: interval, from: cutover.startMs, until: cutover.startMs + Int64(premakeDays) * CalendarDay.dayMs - 1)
        {
            let child = qualifiedName(schema: schema.schema, PartitionedLogTable.childName(from: lower))
            swap.append("CREATE TABLE \(child) PARTITION OF \(parent) FOR VALUES FROM ('\(lower.text)') TO ('\(upper.text)');")
        }
        swap.append("CREATE TABLE \(table("_default")) PARTITION OF \(parent) DEFAULT;")
        // On the parent, each index finds the legacy table's equal index and attaches it: no build.
        for index in secondary {
            let columns = index.columns.map(quoteIdentifier).joined(separator: ", ")
            swap.append("CREATE \(index.isUnique ? "UNIQUE " : "")INDEX \(quoteIdentifier(index.name)) ON \(parent) (\(columns));")
        }
        for (constraint, definition) in foreignKeys {
            swap.append("ALTER TABLE \(parent) ADD CONSTRAINT \(quoteIdentifier(constraint)) \(definition);")
        }
        return PartitionPlan(
            table: parent, cutover: cutover,
            steps: [
                Step(title: "Online: the unique index the new primary key needs, and the legacy bound, not yet checked", statements: prepare, inTransaction: false),
                Step(
                    title: "Online: check the bound (reads the table, blocks no writes)",
                    statements: ["ALTER TABLE \(parent) VALIDATE CONSTRAINT \(check);"], inTransaction: false),
                Step(
                    title: "One short transaction (ACCESS EXCLUSIVE on the table while it runs; no row is copied): swap in the partitioned parent",
                    statements: swap, inTransaction: true),
                Step(
                    title: "Afterwards: the bound is the partition's own now",
                    statements: ["ALTER TABLE \(legacy) DROP CONSTRAINT \(check);"], inTransaction: false),
            ])
    }

    /// The plan as a psql script, with what it means for the Prisma schema.
    public var sql: String {
        var lines = [
            "-- healthctl schema partition-plan: turns \(table) into a table partitioned by range of \"checkedAt\".",
            "-- No row is copied: the existing table becomes the partition of every row before \(cutover.text), and new",
            "-- children start there. Run it before \(cutover.text)T00:00:00Z, step by step (psql runs each statement in",
            "-- its own transaction outside BEGIN ... COMMIT; CREATE INDEX CONCURRENTLY must run that way).",
            "",
        ]
        for (number, step) in steps.enumerated() {
            lines.append("-- Step \(number + 1). \(step.title).")
            if step.inTransaction { lines.append("BEGIN;") }
            lines += step.statements
            if step.inTransaction { lines.append("COMMIT;") }
            lines.append("")
        }
        lines += [
            "-- Prisma: the primary key is now (\"id\", \"checkedAt\"). In schema.prisma, model IntegrationHealthLog:",
            "--   id  String  @id         becomes   id  String",
            "--   and the model gains      @@id([id, checkedAt])",
            "-- Prisma does not manage partitions: apply this script with psql, then record it as a migration the",
            "-- database already has (prisma migrate dev --create-only, paste this file, prisma migrate resolve --applied).",
            "-- The children are tables Prisma does not know; keep them out of prisma db pull's models.",
            "-- Afterwards: healthctl doctor shows the partitions; prune archives and drops whole children past the",
            "-- retention, and deletes the legacy partition's old rows batch by batch until it, too, is past it.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
