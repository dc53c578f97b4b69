import PostgresClient

/// Decides, day by day, whether a report reads log rows or a rollup, and reads the days.
struct DayReading: Sendable {
    let schema: HealthSchema
    let integrations: [IntegrationInfo]
    let request: ReportSource.Request
    let store: RollupStore
    /// Paces every read (`LoadGovernor`).
    let governor: LoadGovernor

    /// What is known before reading: the window's days, the rollups, and where log rows can be.
    struct Plan: Sendable {
        var windowDays: [PlannedDay]
        /// The rolled-up days from the day before the window to its last (empty for `--source raw`).
        var rolled: [CalendarDay: RolledUpDay] = [:]
        var rollupExists = false
        /// The days from the first to the last log row around the window; none outside hold rows.
        var rowDays: ClosedRange<CalendarDay>?

        /// Months of the window with a current month rollup, when the report can use them
        /// (`MonthRollups`): it shows no weeks.
        var months: Set<CalendarDay> = []

        func mayHaveRows(_ day: CalendarDay) -> Bool { rowDays?.contains(day) ?? false }

        /// The window's days in reading order, in batches read by one worker each: a whole month
        /// with a month rollup together; otherwise a day that may have log rows alone (so two
        /// workers share a week of rows), other days (rollups or nothing) up to four together,
        /// their rollups in one query.
        var batches: [Batch] {
            var batches: [Batch] = []
            var index = 0
            while index < windowDays.count {
                let day = windowDays[index]
                let month = MonthPiece.start(of: day.date)
                let length = month.daysInMonth
                if day.date == month, months.contains(month), index + length <= windowDays.count,
                    windowDays[index..<(index + length)].allSatisfy({ $0.countsMatter && $0.countsWholeDay })
                {
                    batches.append(Batch(days: Array(windowDays[index..<(index + length)]), month: month))
                    index += length
                    continue
                }
                if !mayHaveRows(day.date), let last = batches.last, last.month == nil, let lastDay = last.days.last, !mayHaveRows(lastDay.date),
                    last.days.count < 4
                {
                    batches[batches.count - 1].days.append(day)
                } else {
                    batches.append(Batch(days: [day]))
                }
                index += 1
            }
            return batches
        }
    }

    /// Days one worker reads together; `month` when they are a month with a month rollup.
    struct Batch: Sendable {
        var days: [PlannedDay]
        var month: CalendarDay?
    }

    /// What a batch gives the report, in order.
    enum ReadPart: Sendable {
        case day(ReadDay)
        /// A whole month from its month rollup: its days' sources and its pieces by position.
        case month(days: [ReportDay], pieces: [MonthPiece?])
    }

    struct PlannedDay: Sendable {
        var date: CalendarDay
        /// The part of the day inside the window.
        var counted: Range<Int64>
        /// False for a day before the window, read for its timeline only (carry-ins, burn rates).
        var countsMatter = true

        var countsWholeDay: Bool { counted == date.startMs..<(date.startMs + CalendarDay.dayMs) }
    }

    /// One day as read: where from, its pieces by integration position, and the log rows read.
    struct ReadDay: Sendable {
        var source: ReportDay
        /// A day before the window: it only settles the timeline.
        var beforeWindow: Bool
        var pieces: [DayPiece?]
        var rows: Int
    }

    /// Integration ids to positions, built once.
    let index: IntegrationIndex
    /// Redactions shared by every day the report reads.
    let redactions = RedactionCache()
    /// Texts of the rollups the report reads, one copy each.
    let texts = TextInterner()

    init(schema: HealthSchema, integrations: [IntegrationInfo], request: ReportSource.Request, store: RollupStore, governor: LoadGovernor) {
        self.schema = schema
        self.integrations = integrations
        self.request = request
        self.store = store
        self.governor = governor
        index = IntegrationIndex(ids: integrations.map(\.id))
    }

    private var reader: DayPieceReader {
        DayPieceReader(
            schema: schema, index: index, selection: request.selection, maxGap: request.settings.maxGap, redactions: redactions, governor: governor)
    }

    /// Ids for reading rollups: those of the selection, or nil for every integration.
    private var rollupIds: [String]? { request.selection.isFiltered ? integrations.map(\.id) : nil }

    func plan(on connection: PostgresConnection) throws -> Plan {
        let window = request.window
        let days = ReportBuilder.days(in: ReportBuilder.timelineRange(of: window)).map { day in
            let counted = (day.startMs..<(day.startMs + CalendarDay.dayMs)).clamped(to: window.sinceMs..<window.untilMs)
            return counted.isEmpty
                ? PlannedDay(date: day, counted: day.startMs..<day.startMs, countsMatter: false) : PlannedDay(date: day, counted: counted)
        }
        var plan = Plan(windowDays: days)
        let dayBefore = days[0].date.adding(days: -1)
        let end = days[days.count - 1].date.adding(days: 1)
        if let rows = try LogStorage.checkedAtRange(connection, schema: schema, from: dayBefore.startMs, until: end.startMs) {
            plan.rowDays = CalendarDay(containing: rows.oldest)...CalendarDay(containing: rows.newest)
        }
        plan.rollupExists = try request.sources == .auto && store.exists(on: connection)
        if plan.rollupExists { plan.rolled = try store.days(on: connection, in: dayBefore..<end) }
        if plan.rollupExists, request.bucketing != .week {
            plan.months = try store.currentMonths(on: connection, in: days[0].date..<end, maxGap: request.settings.maxGap)
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
                note: "log rows pruned; the rollup was made with max gap \(rollup.maxGap), which cannot be turned into --max-gap \(ReportSettings.maxGapText(maxGap)); report with --max-gap \(rollup.maxGap) to use it")
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

    /// A batch (`Plan.batches`). A month is read from its month rollup when every day of it
    /// would be read from its rollup or has no rows, and day by day otherwise (rows that came
    /// after the month was merged, or a damaged month rollup).
    func read(on connection: PostgresConnection, batch: Batch, plan: Plan) throws -> [ReadPart] {
        guard let month = batch.month else { return try read(on: connection, batch: batch.days, plan: plan).map { .day($0) } }
        let sources = try sources(on: connection, batch: batch.days, plan: plan)
        let usable = zip(batch.days, sources).allSatisfy { day, source in
            source.source == .rollup || (plan.rolled[day.date] == nil && !plan.mayHaveRows(day.date))
        }
        if usable {
            do {
                // A piece that cannot be decoded fails only in Swift: the COPY ran to its end, and
                // the transaction reads on.
                let pieces = try governor.unit(on: connection) {
                    try store.monthPieces(
                        on: connection, month: month, index: index, ids: rollupIds, texts: texts, dailyNumbers: request.dailySeries)
                }
                return [.month(days: sources, pieces: pieces)]
            } catch is RollupError {}
        }
        return try read(on: connection, batch: batch.days, plan: plan, sources: sources).map { .day($0) }
    }

    /// One day before the window, which only settles carry-ins.
    func read(on connection: PostgresConnection, dayBefore day: CalendarDay, plan: Plan) throws -> ReadDay {
        try read(on: connection, batch: [PlannedDay(date: day, counted: day.startMs..<day.startMs, countsMatter: false)], plan: plan)[0]
    }

    /// The days of a batch (`Plan.batches`): their rows counted in one query, each day's source
    /// decided (`source`) unless given, rollups of the batch in one query, log rows day by day.
    func read(on connection: PostgresConnection, batch: [PlannedDay], plan: Plan, sources decided: [ReportDay]? = nil) throws -> [ReadDay] {
        let sources = try decided ?? sources(on: connection, batch: batch, plan: plan)
        let rolled = zip(batch, sources).filter { $0.1.source == .rollup }.map(\.0.date)
        let byDay = rolled.isEmpty
            ? [:]
            : try governor.unit(on: connection) {
                try store.pieces(
                    on: connection, from: rolled[0], until: rolled[rolled.count - 1].adding(days: 1), index: index, ids: rollupIds, texts: texts)
            }
        let none = [DayPiece?](repeating: nil, count: integrations.count)
        return try zip(batch, sources).map { day, source in
            let before = !day.countsMatter
            if source.source == .rollup { return ReadDay(source: source, beforeWindow: before, pieces: byDay[day.date] ?? none, rows: 0) }
            guard plan.mayHaveRows(day.date) else { return ReadDay(source: source, beforeWindow: before, pieces: none, rows: 0) }
            let (pieces, rows) = try reader.pieces(on: connection, day: day.date, counted: day.counted)
            return ReadDay(source: source, beforeWindow: before, pieces: pieces, rows: rows)
        }
    }

    /// Where each day of a batch is read from (`source`), its log rows counted in one query
    /// where a rollup exists.
    private func sources(on connection: PostgresConnection, batch: [PlannedDay], plan: Plan) throws -> [ReportDay] {
        let counted = batch.map(\.date).filter { plan.mayHaveRows($0) && plan.rolled[$0] != nil }
        let raw = try RollupStore.rawRows(on: connection, schema: schema, days: counted)
        return batch.map { day in
            Self.source(
                date: day.date, countsWholeDay: !day.countsMatter || day.countsWholeDay,
                rawRows: raw[day.date] ?? (plan.mayHaveRows(day.date) ? 1 : 0), rollup: plan.rolled[day.date], maxGap: request.settings.maxGap)
        }
    }

    /// Settles what carries into the window: the pieces of the day before it, and, for
    /// integrations without a check there whose max gap could reach the window (or whose only
    /// check there needs the one before it), the pieces of earlier days, stepping back one day
    /// with data at a time within the lookback. Returns the log rows read.
    func addCarryIns(to builder: inout ReportBuilder, on connection: PostgresConnection, plan: Plan) throws -> Int {
        let firstDay = plan.windowDays[0].date
        let dayBefore = firstDay.adding(days: -1)
        let readBefore = try read(on: connection, dayBefore: dayBefore, plan: plan)
        let before = readBefore.pieces
        var readRows = readBefore.rows
        let lookbackMs = request.settings.lookbackMs
        let oldest = firstDay.startMs - 2 * lookbackMs
        var earlier: [(day: CalendarDay, pieces: [Int: DayPiece])] = []
        var looking = Set(integrations.indices.filter { position in
            // No check that day: one further back can reach the window only within the lookback.
            before[position]?.maxGapMs == nil && (before[position] != nil || lookbackMs > CalendarDay.dayMs)
        })
        var bound = dayBefore
        if looking.count * 4 < integrations.count {
            // A few integrations (stopped, or new): one probe each finds the day of its last check,
            // so days of other integrations' rows are not read for them one after another.
            var before = Dictionary(uniqueKeysWithValues: looking.map { ($0, dayBefore.startMs) })
            while !before.isEmpty {
                var last = try lastChecks(on: connection, before: before, notBefore: oldest)
                for (position, time) in try lastRolledUpChecks(on: connection, before: before, notBefore: oldest, plan: plan) {
                    last[position] = max(last[position] ?? time, time)
                }
                before = [:]
                for (day, positions) in Dictionary(grouping: last.keys, by: { CalendarDay(containing: last[$0] ?? 0) }) {
                    let (found, rows) = try pieces(on: connection, day: day, positions: Set(positions), plan: plan)
                    readRows += rows
                    earlier.append((day, found))
                    // A day with one check takes its max gap from the check before: look once more.
                    for (position, piece) in found where piece.maxGapMs == nil { before[position] = piece.firstCheckMs }
                }
            }
        } else {
            while !looking.isEmpty, let day = try latestDayWithData(on: connection, before: bound, notBefore: oldest, plan: plan) {
                let (found, rows) = try pieces(on: connection, day: day, positions: looking, plan: plan)
                readRows += rows
                earlier.append((day, found))
                for (position, piece) in found where piece.maxGapMs != nil { looking.remove(position) }
                bound = day
            }
        }
        earlier.sort { $0.day < $1.day }
        for (_, pieces) in earlier { builder.addBeforeWindow(pieces) }
        var dayBeforePieces: [Int: DayPiece] = [:]
        for (position, piece) in before.enumerated() { if let piece { dayBeforePieces[position] = piece } }
        builder.addBeforeWindow(dayBeforePieces)
        return readRows
    }

    /// The time of the last check in the rollups of each integration, on a day before the day of
    /// its given time (not before `notBefore`'s day): where rows were pruned, only rollups have it.
    private func lastRolledUpChecks(on connection: PostgresConnection, before: [Int: Int64], notBefore: Int64, plan: Plan) throws -> [Int: Int64] {
        guard plan.rollupExists, let latest = before.values.max() else { return [:] }
        let from = CalendarDay(containing: notBefore)
        let until = CalendarDay(containing: latest)
        guard from < until,
            try store.days(on: connection, in: from..<until).values.contains(where: { $0.rows > 0 && $0.serves(request.settings.maxGap) })
        else { return [:] }
        let positions = Array(before.keys)
        let ids = positions.map { integrations[$0].id }
        let byDay = try store.pieces(on: connection, from: from, until: until, index: IntegrationIndex(ids: ids), ids: ids, texts: texts)
        var found: [Int: Int64] = [:]
        for (day, pieces) in byDay {
            for (offset, piece) in pieces.enumerated() {
                let position = positions[offset]
                guard let time = piece?.last?.timeMs, let bound = before[position], day < CalendarDay(containing: bound) else { continue }
                found[position] = max(found[position] ?? time, time)
            }
        }
        return found
    }

    /// The time of each integration's last check before its given time (not before `notBefore`),
    /// for those that have one; none without log rows there. The time conditions and the `max` are kept off the `checkedAt`
    /// index (`+ interval '0 seconds'`): walking it back for an integration without a recent check
    /// would read every other integration's rows; the `integrationId` index reads only its own.
    private func lastChecks(on connection: PostgresConnection, before: [Int: Int64], notBefore: Int64) throws -> [Int: Int64] {
        guard let latest = before.values.max(), try LogStorage.checkedAtRange(connection, schema: schema, from: notBefore, until: latest) != nil else {
            return [:]
        }
        let positions = Array(before.keys)
        let result = try databaseStep("finding the last checks before the window") {
            try connection.query(
                """
                SELECT q.id, c.ms FROM unnest($1::text[], $2::text[]) AS q(id, before)
                JOIN \(schema.integrationTable) i ON i."id"::text = q.id
                CROSS JOIN LATERAL (
                  SELECT \(HealthSchema.epochMillisecondsSQL("max(\"checkedAt\" + interval '0 seconds')")) AS ms FROM \(schema.logTable)
                  WHERE "integrationId" = i."id"
                    AND "checkedAt" + interval '0 seconds' < \(HealthSchema.timestampParameterSQL("q.before", schema.checkedAtType))
                    AND "checkedAt" + interval '0 seconds' >= \(HealthSchema.timestampParameterSQL("$3", schema.checkedAtType))) c
                WHERE c.ms IS NOT NULL
                """,
                [positions.map { integrations[$0].id }, positions.map { PostgresTimestamp.format(epochMilliseconds: before[$0] ?? 0) },
                 PostgresTimestamp.format(epochMilliseconds: notBefore)])
        }
        let positionOf = Dictionary(uniqueKeysWithValues: positions.map { (integrations[$0].id, $0) })
        var found: [Int: Int64] = [:]
        for row in result.rows {
            guard let id = row[0], let position = positionOf[id], let ms = row.int64(1) else { continue }
            found[position] = ms
        }
        return found
    }

    /// The last day before `bound`, not before `notBefore`, with log rows or a rollup that serves.
    private func latestDayWithData(on connection: PostgresConnection, before bound: CalendarDay, notBefore: Int64, plan: Plan) throws -> CalendarDay? {
        let newestRow = try LogStorage.checkedAtRange(connection, schema: schema, from: notBefore, until: bound.startMs)
            .map { CalendarDay(containing: $0.newest) }
        var newestRollup: CalendarDay?
        if plan.rollupExists {
            newestRollup = try store.days(on: connection, in: CalendarDay(containing: notBefore)..<bound)
                .values.filter { $0.rows > 0 && $0.serves(request.settings.maxGap) }.map(\.day).max()
        }
        return [newestRow, newestRollup].compactMap { $0 }.max()
    }

    /// The pieces of one day before the window for the integrations at `positions`: from its
    /// rollup when that serves, else from its rows (through the `integrationId` index for a few
    /// integrations, the day's time range for many).
    private func pieces(on connection: PostgresConnection, day: CalendarDay, positions: Set<Int>, plan: Plan) throws -> ([Int: DayPiece], Int) {
        var dayPlan = Plan(windowDays: [], rollupExists: plan.rollupExists, rowDays: day...day)
        if plan.rollupExists { dayPlan.rolled = try store.days(on: connection, in: day..<day.adding(days: 1)) }
        let few = positions.count * 4 < integrations.count
        let ordered = few ? positions.sorted() : Array(integrations.indices)
        let reading = few
            ? DayReading(
                schema: schema, integrations: ordered.map { integrations[$0] },
                request: ReportSource.Request(
                    selection: ReportSelection(integrationIds: ordered.map { integrations[$0].id }), window: request.window,
                    settings: request.settings, sources: request.sources, rollupSchema: request.rollupSchema),
                store: store, governor: governor)
            : self
        let read = try reading.read(on: connection, dayBefore: day, plan: dayPlan)
        var found: [Int: DayPiece] = [:]
        for (offset, position) in ordered.enumerated() where positions.contains(position) {
            if let piece = read.pieces[offset] { found[position] = piece }
        }
        return (found, read.rows)
    }
}
