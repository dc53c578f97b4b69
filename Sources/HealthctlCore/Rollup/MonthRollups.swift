import PostgresClient

/// Month rollups: each complete calendar month's day rollups merged into one `MonthPiece` per
/// integration, so a report of a quarter or a year reads a few pieces per integration instead
/// of one per day. They are derived from the day rollups only, never from log rows:
///
/// - `rollup_month` holds, per month, the `rolled_up_at` of each of its days when it was merged
///   (0 for a day without a rollup). A month is current while its days still have exactly
///   those: a day rolled up again (late rows, a restore, another max gap) makes it out of date,
///   and `healthctl rollup` merges it again.
/// - `rollup_month_piece` holds the encoded pieces.
///
/// A report uses a month only where it would read every day of it from its rollup (or find no
/// rows), so a month rollup never changes a number.
extension RollupStore {
    var monthTable: String { qualifiedName(schema: schema, "rollup_month") }
    var monthPieceTable: String { qualifiedName(schema: schema, "rollup_month_piece") }

    var monthTablesSQL: String {
        """
        CREATE TABLE IF NOT EXISTS \(monthTable) (
          "month" date PRIMARY KEY,
          "max_gap" text NOT NULL,
          "format" integer NOT NULL,
          "days_rolled_up_at" bigint[] NOT NULL,
          "merged_at" timestamptz NOT NULL DEFAULT now()
        );
        \(Self.pieceTableSQL(monthPieceTable, key: "month", keys: monthTable))
        """
    }

    /// The format a month rollup is written in: the month encoding's and the day encoding's.
    static var monthFormat: Int { Int(MonthPieceCodec.version) << 8 | Int(DayPieceCodec.version) }

    /// The `rolled_up_at` (microseconds; 0: none) of each day of the month starting at `month`
    /// (an SQL date expression), as `bigint[]`.
    private func daysRolledUpAtSQL(_ month: String) -> String {
        """
        ARRAY(SELECT coalesce((SELECT (extract(epoch FROM d."rolled_up_at") * 1000000)::bigint FROM \(dayTable) d WHERE d."day" = g::date), 0)
              FROM generate_series((\(month))::timestamp, (\(month))::timestamp + interval '1 month' - interval '1 day', interval '1 day') AS g
              ORDER BY g)
        """
    }

    /// True when the month tables exist (a database rolled up by an older healthctl has none
    /// until the next `rollup`).
    func monthTablesExist(on connection: PostgresConnection) throws -> Bool {
        try databaseStep("looking for the month rollups") {
            try connection.query("SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL", [monthTable, monthPieceTable])
                .first?.bool(0) ?? false
        }
    }

    /// How many months have a month rollup, and how many of those are out of date (a day of
    /// theirs was rolled up since); nil without month tables.
    func monthCoverage(on connection: PostgresConnection) throws -> (months: Int, outOfDate: Int)? {
        guard try monthTablesExist(on: connection) else { return nil }
        return try databaseStep("reading the month rollups") {
            let row = try connection.query(
                """
                SELECT count(*), count(*) FILTER (WHERE m."days_rolled_up_at" <> \(daysRolledUpAtSQL("m.\"month\""))) FROM \(monthTable) m
                """).first
            return (row?.int(0) ?? 0, row?.int(1) ?? 0)
        }
    }

    /// The months starting within `range` whose month rollup is current and made with `maxGap`.
    func currentMonths(on connection: PostgresConnection, in range: Range<CalendarDay>, maxGap: ReportSettings.MaxGap) throws -> Set<CalendarDay> {
        guard try monthTablesExist(on: connection) else { return [] }
        return try databaseStep("reading which months are rolled up") {
            let result = try connection.query(
                """
                SELECT to_char(m."month", 'YYYY-MM-DD') FROM \(monthTable) m
                WHERE m."month" >= $1::date AND m."month" < $2::date AND m."max_gap" = $3 AND m."format" = $4
                  AND m."days_rolled_up_at" = \(daysRolledUpAtSQL("m.\"month\""))
                """, [range.lowerBound.text, range.upperBound.text, Self.ruleText(maxGap), Self.monthFormat])
            return Set(result.rows.compactMap { $0[0].flatMap(CalendarDay.init(text:)) })
        }
    }

    /// The complete months before `until` with day rollups whose month rollup is missing, out of
    /// date, or made with another max gap or format.
    func monthsToMerge(on connection: PostgresConnection, before until: CalendarDay, maxGap: ReportSettings.MaxGap) throws -> [CalendarDay] {
        let tablesExist = try monthTablesExist(on: connection)
        return try databaseStep("finding the months to merge") {
            // Without the month tables yet (`--dry-run` on rollups of an older healthctl), every
            // complete month is to merge.
            guard tablesExist else {
                return try connection.query(
                    """
                    SELECT DISTINCT to_char(date_trunc('month', "day"), 'YYYY-MM-DD') FROM \(dayTable)
                    WHERE date_trunc('month', "day") + interval '1 month' <= $1::date ORDER BY 1
                    """, [until.text]
                ).rows.compactMap { $0[0].flatMap(CalendarDay.init(text:)) }
            }
            let result = try connection.query(
                """
                SELECT to_char(g."month", 'YYYY-MM-DD') FROM (SELECT DISTINCT date_trunc('month', "day")::date AS "month" FROM \(dayTable)) g
                LEFT JOIN \(monthTable) m ON m."month" = g."month"
                WHERE g."month" + interval '1 month' <= $1::date
                  AND (m."month" IS NULL OR m."max_gap" <> $2 OR m."format" <> $3 OR m."days_rolled_up_at" <> \(daysRolledUpAtSQL("g.\"month\"")))
                ORDER BY 1
                """, [until.text, Self.ruleText(maxGap), Self.monthFormat])
            return result.rows.compactMap { $0[0].flatMap(CalendarDay.init(text:)) }
        }
    }

    /// Merges the day rollups of `month` into its month rollup, in the caller's transaction.
    /// Returns the integrations merged, or nil when a day of the month was rolled up with
    /// another max gap or format (the month is then left as it was).
    func mergeMonth(
        on connection: PostgresConnection, month: CalendarDay, maxGap: ReportSettings.MaxGap, integrationsAtOnce: Int = integrationsMergedAtOnce
    ) throws -> Int? {
        let next = month.adding(days: month.daysInMonth)
        let days = try self.days(on: connection, in: month..<next)
        guard days.values.allSatisfy({ $0.serves(maxGap) }) else { return nil }
        let ids = try databaseStep("reading the integrations of \(month.monthText)") {
            try connection.query(
                "SELECT DISTINCT \"integration_id\" FROM \(pieceTable) WHERE \"day\" >= $1::date AND \"day\" < $2::date ORDER BY 1",
                [month.text, next.text]
            ).rows.compactMap { $0[0] }
        }
        let monthDays = MonthPiece.days(of: month)
        var encoded: [(id: String, checks: Int, bytes: [UInt8])] = []
        let texts = TextInterner()
        // A few hundred integrations at a time, so only their month of day pieces is in memory.
        for start in stride(from: 0, to: ids.count, by: integrationsAtOnce) {
            let chunk = Array(ids[start..<min(start + integrationsAtOnce, ids.count)])
            // The ids come in the server's order: the range from the first to the last is the chunk.
            let byDay = try pieces(
                on: connection, from: month, until: next, index: IntegrationIndex(ids: chunk), ids: nil, idRange: (chunk[0], chunk[chunk.count - 1]),
                texts: texts)
            encoded += parallelMap(chunk.count) { position in
                let piece = MonthPiece(month: month, days: monthDays.compactMap { byDay[$0]?[position] })
                return (chunk[position], (piece.head?.checks.total ?? 0) + (piece.body?.checks.total ?? 0), MonthPieceCodec.encode(piece))
            }
        }
        try databaseStep("writing the month rollup of \(month.monthText)") {
            try connection.query(
                """
                INSERT INTO \(monthTable) ("month", "max_gap", "format", "days_rolled_up_at", "merged_at")
                VALUES ($1::date, $2, $3, \(daysRolledUpAtSQL("$1::date")), now())
                ON CONFLICT ("month") DO UPDATE SET "max_gap" = EXCLUDED."max_gap", "format" = EXCLUDED."format",
                  "days_rolled_up_at" = EXCLUDED."days_rolled_up_at", "merged_at" = EXCLUDED."merged_at"
                """, [month.text, Self.ruleText(maxGap), Self.monthFormat])
            try connection.query("DELETE FROM \(monthPieceTable) WHERE \"month\" = $1::date", [month.text])
            try copyPieces(on: connection, into: monthPieceTable, key: month, rows: encoded)
        }
        return ids.count
    }

    /// How many integrations' day pieces `mergeMonth` reads and merges together.
    static let integrationsMergedAtOnce = 250

    /// The month pieces of `month` by integration position (nil: no checks that month). Runs in
    /// the caller's transaction; `ids` and `texts` as for `pieces`; `dailyNumbers` as for
    /// `MonthPieceCodec.decode`.
    func monthPieces(
        on connection: PostgresConnection, month: CalendarDay, index: IntegrationIndex, ids: [String]?, texts: TextInterner = TextInterner(),
        dailyNumbers: Bool = true
    ) throws -> [MonthPiece?] {
        var pieces = [MonthPiece?](repeating: nil, count: index.count)
        try readPieces(
            on: connection, table: monthPieceTable, keyColumn: "month", from: month, until: month.adding(days: month.daysInMonth), ids: ids,
            what: "the month rollup of \(month.monthText)"
        ) { _, id, bytes throws(RollupError) in
            guard let position = index.lookup(id) else { return }
            pieces[position] = try MonthPieceCodec.decode(bytes, month: month, texts: texts, dailyNumbers: dailyNumbers)
        }
        return pieces
    }
}
