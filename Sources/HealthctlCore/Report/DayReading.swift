import PostgresClient

/// Decides, day by day, whether a report reads log rows or a rollup, and reads the days.
struct DayReading: Sendable {
    let schema: HealthSchema
    let integrations: [IntegrationInfo]
    let request: ReportSource.Request
    let store: RollupStore

    /// The window's days with their sources, and what is known about the days around them.
    struct Plan: Sendable {
        var windowDays: [PlannedDay]
        /// Days (the window's and the one before) read from a rollup.
        var fromRollup: Set<CalendarDay> = []
        /// Days without log rows or a rollup: nothing to read.
        var empty: Set<CalendarDay> = []
        var rollupExists = false

        /// The window's days in reading order, in runs read by one query each: consecutive days
        /// from rollups or without data (up to a month), and each day of log rows alone.
        var batches: [[PlannedDay]] {
            var batches: [[PlannedDay]] = []
            for day in windowDays {
                let cheap = fromRollup.contains(day.date) || empty.contains(day.date)
                if cheap, let last = batches.last?.last, last.date.adding(days: 1) == day.date,
                    fromRollup.contains(last.date) || empty.contains(last.date), batches[batches.count - 1].count < 31 {
                    batches[batches.count - 1].append(day)
                } else {
                    batches.append([day])
                }
            }
            return batches
        }
    }

    struct PlannedDay: Sendable {
        var date: CalendarDay
        /// The part of the day inside the window.
        var counted: Range<Int64>
        var source: ReportDay
    }

    private var reader: DayPieceReader {
        DayPieceReader(schema: schema, index: IntegrationIndex(ids: integrations.map(\.id)), selection: request.selection, maxGap: request.settings.maxGap)
    }

    /// Ids for reading rollups: those of the selection, or nil for every integration.
    private var rollupIds: [String]? { request.selection.isFiltered ? integrations.map(\.id) : nil }

    func plan(on connection: PostgresConnection) throws -> Plan {
        let days = ReportBuilder.days(of: request.window)
        var plan = Plan(windowDays: days.map { PlannedDay(date: $0.day, counted: $0.range, source: ReportDay(date: $0.day, source: .raw)) })
        let dayBefore = days[0].day.adding(days: -1)
        let raw = try RollupStore.rawRows(on: connection, schema: schema, days: [dayBefore] + days.map(\.day))
        plan.rollupExists = try request.sources == .auto && store.exists(on: connection)
        let rolled = plan.rollupExists ? try store.days(on: connection, in: dayBefore..<days[days.count - 1].day.adding(days: 1)) : [:]
        func decide(_ day: CalendarDay, countsWholeDay: Bool) -> ReportDay {
            let decided = Self.source(date: day, countsWholeDay: countsWholeDay, rawRows: raw[day] ?? 0, rollup: rolled[day], maxGap: request.settings.maxGap)
            if decided.source == .rollup { plan.fromRollup.insert(day) } else if raw[day] ?? 0 == 0 { plan.empty.insert(day) }
            return decided
        }
        // The day before the window only settles carry-ins: its counts never matter.
        _ = decide(dayBefore, countsWholeDay: true)
        for index in plan.windowDays.indices {
            let day = plan.windowDays[index]
            plan.windowDays[index].source = decide(day.date, countsWholeDay: day.counted == day.date.startMs..<(day.date.startMs + CalendarDay.dayMs))
        }
        return plan
    }

    /// Where one day is read from. A rollup is read when it holds the day (its rows were pruned,
    /// all or some) or matches the rows exactly, and it was made with the max gap asked for. A day
    /// whose checks are not all counted (one the window cuts, or one before the window, which only
    /// settles carry-ins) is read from its rows while they exist: a rollup counts whole days only.
    static func source(date: CalendarDay, countsWholeDay: Bool, rawRows: Int64, rollup: RolledUpDay?, maxGap: ReportSettings.MaxGap) -> ReportDay {
        guard let rollup else { return ReportDay(date: date, source: .raw) }
        let freshness = RollupFreshness(rawRows: rawRows, rollup: rollup)
        guard rollup.serves(maxGap) else {
            guard freshness == .pruned else { return ReportDay(date: date, source: .raw) }
            return ReportDay(
                date: date, source: .raw,
                note: "log rows pruned; the rollup was made with max gap \(rollup.maxGap), which cannot be turned into max gap \(RollupStore.ruleText(maxGap)); report with --max-gap \(rollup.maxGap == "auto" ? "auto" : rollup.maxGap) to use it")
        }
        switch freshness {
        case .missing:
            return ReportDay(date: date, source: .raw)
        case .current:
            return ReportDay(date: date, source: countsWholeDay ? .rollup : .raw)
        case .pruned:
            if rawRows > 0 {
                return ReportDay(date: date, source: .rollup, note: "\(rawRows) of \(rollup.rows) log rows left (partly pruned): read from the rollup")
            }
            return ReportDay(date: date, source: .rollup, note: countsWholeDay ? nil : "checks counted for the whole day: the rollup has no finer counts")
        case .stale:
            return ReportDay(
                date: date, source: .raw,
                note: "the rollup is stale (\(rollup.rows) rows rolled up, \(rawRows) now): read from the log rows; run healthctl rollup")
        }
    }

    /// The pieces of one day, by integration position, from its rollup or its rows.
    func pieces(on connection: PostgresConnection, day: CalendarDay, counted: Range<Int64>, plan: Plan) throws -> (pieces: [DayPiece?], rows: Int) {
        try pieces(on: connection, batch: [PlannedDay(date: day, counted: counted, source: ReportDay(date: day, source: .raw))], plan: plan)[0]
    }

    /// The pieces of each day of a batch (`Plan.batches`): rollups of consecutive days in one query.
    func pieces(on connection: PostgresConnection, batch: [PlannedDay], plan: Plan) throws -> [(pieces: [DayPiece?], rows: Int)] {
        let none = [DayPiece?](repeating: nil, count: integrations.count)
        let rolled = batch.map(\.date).filter { plan.fromRollup.contains($0) }
        let byDay = rolled.isEmpty ? [:] : try store.pieces(on: connection, from: rolled[0], until: rolled[rolled.count - 1].adding(days: 1), ids: rollupIds)
        return try batch.map { day in
            if plan.empty.contains(day.date) { return (none, 0) }
            if plan.fromRollup.contains(day.date) {
                let pieces = byDay[day.date] ?? [:]
                return (integrations.map { pieces[$0.id] }, 0)
            }
            return try reader.pieces(on: connection, day: day.date, counted: day.counted)
        }
    }

    /// Settles what carries into the window: the pieces of the day before it, and, for
    /// integrations without a check there whose max gap could reach the window (or whose only
    /// check there needs the one before it), the days of their earlier checks. Returns the log rows read.
    func addCarryIns(to builder: inout ReportBuilder, on connection: PostgresConnection, plan: Plan) throws -> Int {
        let firstDay = plan.windowDays[0].date
        let dayBefore = firstDay.adding(days: -1)
        let (before, rows) = try pieces(on: connection, day: dayBefore, counted: dayBefore.startMs..<dayBefore.startMs, plan: plan)
        var readRows = rows
        let lookbackMs = request.settings.lookbackMs
        let oldest = firstDay.startMs - 2 * lookbackMs
        var earlier: [CalendarDay: [Int: DayPiece]] = [:]
        // Each integration still looking, with the time its next earlier check must be before.
        var looking: [Int: Int64] = [:]
        for position in integrations.indices where before[position]?.maxGapMs == nil {
            // No check that day: one further back can reach the window only within the lookback.
            if before[position] == nil, lookbackMs <= CalendarDay.dayMs { continue }
            looking[position] = before[position]?.firstCheckMs ?? dayBefore.startMs
        }
        while !looking.isEmpty {
            let found = try lastChecks(on: connection, before: looking, notBefore: oldest)
            looking = [:]
            let byDay = Dictionary(grouping: found.keys) { CalendarDay(containing: found[$0] ?? 0) }
            for (day, positions) in byDay {
                let subset = DayReading(
                    schema: schema, integrations: positions.map { integrations[$0] },
                    request: ReportSource.Request(
                        selection: ReportSelection(integrationIds: positions.map { integrations[$0].id }), window: request.window,
                        settings: request.settings, sources: request.sources, rollupSchema: request.rollupSchema),
                    store: store)
                let rolled = plan.rollupExists ? try store.days(on: connection, in: day..<day.adding(days: 1))[day] : nil
                let raw = rolled == nil ? 0 : try RollupStore.rawRows(on: connection, schema: schema, days: [day])[day] ?? 0
                var subsetPlan = Plan(windowDays: [], fromRollup: [], rollupExists: plan.rollupExists)
                if Self.source(date: day, countsWholeDay: true, rawRows: raw, rollup: rolled, maxGap: request.settings.maxGap).source == .rollup {
                    subsetPlan.fromRollup.insert(day)
                }
                let (pieces, rows) = try subset.pieces(on: connection, day: day, counted: day.startMs..<day.startMs, plan: subsetPlan)
                readRows += rows
                for (offset, position) in positions.enumerated() {
                    guard let piece = pieces[offset] else { continue }
                    earlier[day, default: [:]][position] = piece
                    if piece.maxGapMs == nil, let first = piece.firstCheckMs { looking[position] = first }
                }
            }
        }
        for day in earlier.keys.sorted() { builder.addBeforeWindow(earlier[day] ?? [:]) }
        var dayBeforePieces: [Int: DayPiece] = [:]
        for (position, piece) in before.enumerated() { if let piece { dayBeforePieces[position] = piece } }
        builder.addBeforeWindow(dayBeforePieces)
        return readRows
    }

    /// The time of each integration's last check before its given time and not before `notBefore`.
    /// The time conditions are kept off the `checkedAt` index (`+ interval '0 seconds'`): walking it
    /// back for an integration without a recent check would read every integration's rows; the
    /// `integrationId` index reads only its own.
    private func lastChecks(on connection: PostgresConnection, before: [Int: Int64], notBefore: Int64) throws -> [Int: Int64] {
        let positions = Array(before.keys)
        let result = try connection.query(
            """
            SELECT q.id, c.ms FROM unnest($1::text[], $2::text[]) AS q(id, before)
            JOIN \(schema.integrationTable) i ON i."id"::text = q.id
            CROSS JOIN LATERAL (
              SELECT \(HealthSchema.epochMillisecondsSQL("\"checkedAt\"")) AS ms FROM \(schema.logTable)
              WHERE "integrationId" = i."id"
                AND "checkedAt" + interval '0 seconds' < \(HealthSchema.timestampParameterSQL("q.before", schema.checkedAtType))
                AND "checkedAt" + interval '0 seconds' >= \(HealthSchema.timestampParameterSQL("$3", schema.checkedAtType))
              ORDER BY "checkedAt" + interval '0 seconds' DESC LIMIT 1) c
            """,
            [positions.map { integrations[$0].id }, positions.map { PostgresTimestamp.format(epochMilliseconds: before[$0] ?? 0) },
             PostgresTimestamp.format(epochMilliseconds: notBefore)])
        let positionOf = Dictionary(uniqueKeysWithValues: positions.map { (integrations[$0].id, $0) })
        var found: [Int: Int64] = [:]
        for row in result.rows {
            guard let id = row[0], let position = positionOf[id], let ms = row.int64(1) else { continue }
            found[position] = ms
        }
        return found
    }
}
