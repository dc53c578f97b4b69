import PostgresClient

/// The rollup tables, in a schema of their own beside the application's (never the schema Prisma
/// manages, so `prisma migrate` never sees them):
///
/// - `rollup_day`: one row per UTC day rolled up, with how many log rows it had and the max-gap
///   rule its pieces were computed with;
/// - `rollup`: one row per integration and day with checks, holding the encoded `DayPiece`;
/// - `rollup_month` and `rollup_month_piece`: the same per calendar month, merged from the days
///   (`MonthRollups`).
public struct RollupStore: Sendable, Equatable {
    public let schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// The schema for the application's tables in `applicationSchema`: `healthctl` beside
    /// `public`, `healthctl_<schema>` beside any other (so two applications in one database keep
    /// their rollups apart), unless the settings name one.
    public init(setting: String?, applicationSchema: String) {
        self.init(schema: setting ?? (applicationSchema == "public" ? "healthctl" : "healthctl_\(applicationSchema)"))
    }

    var dayTable: String { qualifiedName(schema: schema, "rollup_day") }
    var pieceTable: String { qualifiedName(schema: schema, "rollup") }

    /// Creates the schema and tables when missing (idempotent).
    public func create(on connection: PostgresConnection) throws {
        try databaseStep("creating the rollup tables in schema \"\(schema)\"") {
            try connection.transaction {
                if try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).rowCount == 0 {
                    try connection.execute(script: "CREATE SCHEMA \(quoteIdentifier(schema))")
                }
                try connection.execute(script: """
                    CREATE TABLE IF NOT EXISTS \(dayTable) (
                      "day" date PRIMARY KEY,
                      "rows" bigint NOT NULL,
                      "max_gap" text NOT NULL,
                      "format" integer NOT NULL,
                      "rolled_up_at" timestamptz NOT NULL DEFAULT now()
                    );
                    \(Self.pieceTableSQL(pieceTable, key: "day", keys: dayTable))
                    \(monthTablesSQL)
                    """)
            }
        }
    }

    /// A table of encoded pieces, one per integration and `key` (a date in `keys`).
    static func pieceTableSQL(_ table: String, key: String, keys: String) -> String {
        let key = quoteIdentifier(key)
        return """
            CREATE TABLE IF NOT EXISTS \(table) (
              \(key) date NOT NULL REFERENCES \(keys) (\(key)) ON DELETE CASCADE,
              "integration_id" text NOT NULL,
              "checks" integer NOT NULL,
              "piece" bytea NOT NULL,
              PRIMARY KEY (\(key), "integration_id")
            );
            """
    }

    /// True when the tables exist.
    public func exists(on connection: PostgresConnection) throws -> Bool {
        try databaseStep("looking for the rollup tables") {
            try connection.query("SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL", [dayTable, pieceTable]).first?.bool(0) ?? false
        }
    }

    /// The days rolled up within `range` (all when nil), by day.
    public func days(on connection: PostgresConnection, in range: Range<CalendarDay>? = nil) throws -> [CalendarDay: RolledUpDay] {
        try databaseStep("reading which days are rolled up") {
            var sql = """
                SELECT to_char("day", 'YYYY-MM-DD'), "rows", "max_gap", "format",
                       \(HealthSchema.epochMillisecondsSQL("\"rolled_up_at\"")) FROM \(dayTable)
                """
            var parameters: [any PostgresParameter] = []
            if let range {
                sql += " WHERE \"day\" >= $1::date AND \"day\" < $2::date"
                parameters = [range.lowerBound.text, range.upperBound.text]
            }
            var days: [CalendarDay: RolledUpDay] = [:]
            for row in try connection.query(sql, parameters).rows {
                guard let text = row[0], let day = CalendarDay(text: text), let rows = row.int64(1), let rule = row[2] else { continue }
                days[day] = RolledUpDay(day: day, rows: rows, maxGap: rule, format: row.int(3) ?? 0, rolledUpAtMs: row.int64(4) ?? 0)
            }
            return days
        }
    }

    /// The pieces of the days from `first` to the day before `until`, for the integrations of
    /// `index` (by position), by day. Runs in the caller's transaction. `ids` reads only those
    /// ids (a selection); nil reads every row and skips rows of ids not in `index`. Equal texts
    /// of the pieces share one copy in `texts`.
    func pieces(
        on connection: PostgresConnection, from first: CalendarDay, until: CalendarDay, index: IntegrationIndex, ids: [String]?,
        idRange: (first: String, last: String)? = nil, texts: TextInterner = TextInterner()
    ) throws -> [CalendarDay: [DayPiece?]] {
        var pieces: [CalendarDay: [DayPiece?]] = [:]
        try readPieces(
            on: connection, table: pieceTable, keyColumn: "day", from: first, until: until, ids: ids, idRange: idRange,
            what: "the rollups from \(first.text)"
        ) {
            day, id, bytes throws(RollupError) in
            guard let position = index.lookup(id) else { return }
            let piece = try DayPieceCodec.decode(bytes, day: day, texts: texts)
            if pieces[day] == nil { pieces[day] = Array(repeating: nil, count: index.count) }
            pieces[day]?[position] = piece
        }
        return pieces
    }

    /// Streams the rows of a piece table whose `keyColumn` (a date) lies from `first` to the day
    /// before `until`, as binary COPY: `row` gets the key, the integration id's bytes and the
    /// piece's bytes. COPY takes no parameters: the filters go through transaction-local settings.
    /// `idRange` keeps the ids from its first to its last in the server's order (the server
    /// compares them, in its collation; the primary key's index then reads only those, where a
    /// list of ids would have every row fetched and filtered).
    func readPieces(
        on connection: PostgresConnection, table: String, keyColumn: String, from first: CalendarDay, until: CalendarDay, ids: [String]?,
        idRange: (first: String, last: String)? = nil, what: String, row: (CalendarDay, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(RollupError) -> Void
    ) throws {
        try connection.set("healthctl.rollup_from", first.text, local: true)
        try connection.set("healthctl.rollup_until", until.text, local: true)
        try connection.set("healthctl.rollup_ids", PostgresArray.literal(ids ?? []), local: true)
        var filter = ""
        if ids != nil { filter = " AND \"integration_id\" = ANY ((SELECT current_setting('healthctl.rollup_ids'))::text[])" }
        if let idRange {
            try connection.set("healthctl.rollup_id_from", idRange.first, local: true)
            try connection.set("healthctl.rollup_id_to", idRange.last, local: true)
            filter += """
                 AND "integration_id" >= (SELECT current_setting('healthctl.rollup_id_from'))
                 AND "integration_id" <= (SELECT current_setting('healthctl.rollup_id_to'))
                """
        }
        let key = quoteIdentifier(keyColumn)
        var parser = BinaryCopyParser(columns: 3)
        var failure: RollupError?
        _ = try databaseStep("reading \(what)") {
            try connection.copyOut(
                """
                COPY (SELECT \(key), "integration_id", "piece" FROM \(table)
                      WHERE \(key) >= (SELECT current_setting('healthctl.rollup_from'))::date
                        AND \(key) < (SELECT current_setting('healthctl.rollup_until'))::date\(filter))
                TO STDOUT (FORMAT binary)
                """
            ) { chunk in
                try parser.consume(chunk) { fields in
                    guard failure == nil, let days = fields.dateDays(0), let id = fields.field(1), let bytes = fields.field(2) else { return }
                    do throws(RollupError) {
                        try row(CalendarDay(containing: days * CalendarDay.dayMs), id, bytes)
                    } catch {
                        failure = error
                    }
                }
            }
        }
        if let failure { throw failure }
    }

    /// Replaces the rollup of `day` in the caller's transaction.
    func replace(
        on connection: PostgresConnection, day: CalendarDay, rows: Int64, maxGap: ReportSettings.MaxGap, pieces: [(id: String, piece: DayPiece)]
    ) throws {
        try connection.query(
            """
            INSERT INTO \(dayTable) ("day", "rows", "max_gap", "format", "rolled_up_at") VALUES ($1::date, $2, $3, $4, now())
            ON CONFLICT ("day") DO UPDATE SET "rows" = EXCLUDED."rows", "max_gap" = EXCLUDED."max_gap",
              "format" = EXCLUDED."format", "rolled_up_at" = EXCLUDED."rolled_up_at"
            """, [day.text, rows, Self.ruleText(maxGap), Int(DayPieceCodec.version)])
        try connection.query("DELETE FROM \(pieceTable) WHERE \"day\" = $1::date", [day.text])
        try copyPieces(on: connection, into: pieceTable, key: day, rows: pieces.map { ($0.id, $0.piece.checks.total, DayPieceCodec.encode($0.piece)) })
    }

    /// Writes encoded pieces into a piece table (key, integration id, checks, piece) with COPY.
    func copyPieces(on connection: PostgresConnection, into table: String, key: CalendarDay, rows: [(id: String, checks: Int, bytes: [UInt8])]) throws {
        guard !rows.isEmpty else { return }
        try connection.copyIn("COPY \(table) FROM STDIN") { writer in
            var line = ""
            for (id, checks, bytes) in rows {
                line.removeAll(keepingCapacity: true)
                line += key.text
                line += "\t"
                line += CopyText.escape(id)
                line += "\t"
                line += String(checks)
                line += "\t\\\\x"
                line += Self.hex(bytes)
                line += "\n"
                try writer.write(line)
            }
        }
    }

    /// How a rollup records the max-gap rule: `auto`, or the fixed gap in milliseconds.
    static func ruleText(_ maxGap: ReportSettings.MaxGap) -> String {
        switch maxGap {
        case .auto: return "auto"
        case let .fixed(ms): return "\(ms)ms"
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A day in `rollup_day`.
public struct RolledUpDay: Sendable, Equatable {
    public var day: CalendarDay
    /// Log rows the day had when it was rolled up.
    public var rows: Int64
    /// `auto` or `<n>ms`: the max-gap rule of its pieces.
    public var maxGap: String
    public var format: Int
    public var rolledUpAtMs: Int64

    /// True when the pieces answer a report asking for `maxGap`.
    public func serves(_ maxGap: ReportSettings.MaxGap) -> Bool {
        self.maxGap == RollupStore.ruleText(maxGap) && format == Int(DayPieceCodec.version)
    }
}

/// How the raw rows of a day compare with its rollup.
public enum RollupFreshness: Sendable, Equatable {
    /// Not rolled up.
    case missing
    /// The rollup has as many rows as the table.
    case current
    /// The table has fewer rows than the rollup (none at all once pruned): the rollup holds the day.
    case pruned
    /// The table has more rows than the rollup: rows arrived (or came back) after the roll-up.
    case stale

    public init(rawRows: Int64, rollup: RolledUpDay?) {
        guard let rollup else { self = .missing; return }
        if rawRows == rollup.rows {
            self = .current
        } else if rawRows < rollup.rows {
            self = .pruned
        } else {
            self = .stale
        }
    }
}

extension RollupStore {
    /// The log rows of each day, counted per day on the `checkedAt` index.
    static func rawRows(on connection: PostgresConnection, schema: HealthSchema, days: [CalendarDay]) throws -> [CalendarDay: Int64] {
        guard !days.isEmpty else { return [:] }
        let start = HealthSchema.timestampParameterSQL("d", schema.checkedAtType)
        let end = HealthSchema.timestampParameterSQL("(d::timestamp + interval '1 day')::text", schema.checkedAtType)
        return try databaseStep("counting the log rows per day") {
            var counts: [CalendarDay: Int64] = [:]
            let result = try connection.query(
                """
                SELECT d, (SELECT count(*) FROM \(schema.logTable) WHERE "checkedAt" >= \(start) AND "checkedAt" < \(end))
                FROM unnest($1::text[]) AS days(d)
                """, [days.map(\.text)])
            for row in result.rows {
                guard let text = row[0], let day = CalendarDay(text: text) else { continue }
                counts[day] = row.int64(1) ?? 0
            }
            return counts
        }
    }
}

extension RollupStore {
    /// The days with log rows before `cutoffMs` that no current rollup holds (missing, stale,
    /// or made with a format this healthctl cannot read): what pruning them would lose.
    public func daysNotRolledUp(on connection: PostgresConnection, schema: HealthSchema, before cutoffMs: Int64) throws -> [CalendarDay] {
        let first = try LogStorage.checkedAtRange(connection, schema: schema, until: cutoffMs)?.oldest
        guard let first else { return [] }
        var days: [CalendarDay] = []
        var day = CalendarDay(containing: first)
        while day.startMs < cutoffMs {
            days.append(day)
            day = day.adding(days: 1)
        }
        let raw = try Self.rawRows(on: connection, schema: schema, days: days)
        let rolled = try exists(on: connection) ? try self.days(on: connection, in: days[0]..<day) : [:]
        return days.filter { day in
            guard let rows = raw[day], rows > 0 else { return false }
            guard let rollup = rolled[day], rollup.format == Int(DayPieceCodec.version) else { return true }
            return RollupFreshness(rawRows: rows, rollup: rollup) == .stale
        }
    }
}
