@testable import HealthctlCore
import Testing

/// Random check sequences: the day-piece pipeline against the direct computation, and merged
/// pieces (also through the rollup encoding) against pieces built in one go.
@Suite struct ReportPropertyTests {
    typealias F = Fixture

    static let messages = ["timeout", "invalid_grant: refresh_token=1/abcdefabcdefabcdefabcdefabcdef01", "HTTP 503", "rate limited"]

    /// A few days of checks with regular runs, jitter, holes, bursts and status runs.
    static func randomChecks(_ random: inout SplitMix, from start: Int64, days: Int) -> [Check] {
        var checks: [Check] = []
        var time = start + Int64(random.next() % 3_600_000)
        let end = start + Int64(days) * F.day
        let step = [60_000, 300_000, 900_000, 3_600_000, 6 * 3_600_000][Int(random.next() % 5)]
        var status = HealthStatus.healthy
        while time < end {
            if random.next() % 12 == 0 { status = [.healthy, .warning, .error, .unknown][Int(random.next() % 4)] }
            let latency: Int? = random.next() % 15 == 0 ? nil : (random.next() % 40 == 0 ? -1 : Int(random.next() % 3000))
            let message = status == .error && random.next() % 3 != 0 ? messages[Int(random.next() % UInt64(messages.count))] : nil
            checks.append(Check(time, status, responseTimeMs: latency, errorMessage: message))
            var next = Int64(step) + Int64(random.next() % UInt64(step / 5 + 1)) - Int64(step / 10)
            if random.next() % 25 == 0 { next *= Int64(2 + random.next() % 30) }
            if random.next() % 30 == 0 { next = Int64(1 + random.next() % 5000) }
            time += max(next, 1)
        }
        return checks
    }

    static func randomSettings(_ random: inout SplitMix) -> ReportSettings {
        ReportSettings(
            maxGap: random.next() % 3 == 0 ? .fixed(milliseconds: Int64(60_000 + random.next() % 7_200_000)) : .auto,
            warningAs: random.next() % 2 == 0 ? .up : .down, latencyOf: random.next() % 2 == 0 ? .all : .healthy)
    }

    @Test(arguments: 0..<300)
    func dayPiecesEqualTheDirectComputation(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let checks = Self.randomChecks(&random, from: F.t0 - 2 * F.day, days: 6)
        let settings = Self.randomSettings(&random)
        // Windows aligned to midnight and not.
        let since = F.t0 + (random.next() % 2 == 0 ? 0 : Int64(random.next() % UInt64(F.day)))
        let until = since + F.day + Int64(random.next() % UInt64(2 * F.day))
        let item = F.single(checks, since: since, until: until, settings: settings)
        let gaps = ReportOracle.gaps(checks, maxGap: settings.maxGap)
        let expected = ReportOracle.numbers(checks, range: since..<until, settings: settings, gaps: gaps)
        var actual = ReportOracle.numbers(of: item.stats)
        actual.latency = expected.latency
        #expect(actual == expected, "seed \(seed): \(settings)")
        #expect(ReportOracle.summary(of: item.stats.latency) == ReportOracle.summary(expected.latency), "seed \(seed)")
        for day in item.daily {
            let range = max(day.date.startMs, since)..<min(day.date.startMs + F.day, until)
            let expectedDay = ReportOracle.numbers(checks, range: range, settings: settings, gaps: gaps)
            var actualDay = ReportOracle.numbers(of: day.stats)
            actualDay.latency = expectedDay.latency
            #expect(actualDay == expectedDay, "seed \(seed), day \(day.date.text)")
            #expect(ReportOracle.summary(of: day.stats.latency) == ReportOracle.summary(expectedDay.latency), "seed \(seed), day \(day.date.text)")
            #expect(day.maxGapMs == (day.stats.checks.total > 0 || checks.contains { CalendarDay(containing: $0.timeMs) == day.date } ? gaps[day.date.startMs] : nil))
        }
    }

    /// Random maintenance windows and UTC service hours against the direct computation, whose
    /// excluded time is worked out here by plain arithmetic.
    @Test(arguments: 0..<200)
    func exclusionsEqualTheDirectComputation(seed: UInt64) throws {
        var random = SplitMix(seed: seed &+ 50_000)
        let checks = Self.randomChecks(&random, from: F.t0 - 2 * F.day, days: 6)
        var settings = Self.randomSettings(&random)
        let since = F.t0 + (random.next() % 2 == 0 ? 0 : Int64(random.next() % UInt64(F.day)))
        let until = since + F.day + Int64(random.next() % UInt64(2 * F.day))
        var spans: [Range<Int64>] = []
        for _ in 0..<(1 + random.next() % 3) {
            let start = F.t0 - F.day + Int64(random.next() % UInt64(5 * F.day))
            spans.append(start..<(start + 1 + Int64(random.next() % UInt64(10 * F.hour))))
        }
        settings.maintenance = spans.map { MaintenanceWindow(schedule: .once($0), reason: "random") }
        settings.maintenanceMode = random.next() % 4 == 0 ? .ignore : .honor
        var excluded = settings.maintenanceMode == .honor ? IntervalSet(spans) : .empty
        if random.next() % 2 == 0 {
            var days = Set((1...7).filter { _ in random.next() % 3 != 0 })
            if days.isEmpty { days = [3] }
            let from = Int(random.next() % 96) * 15
            var to = Int(random.next() % 96) * 15
            if to == from { to = (from + 60) % 1440 }
            let holiday = CalendarDay(containing: since + Int64(random.next() % UInt64(F.day)))
            let wall = { (minutes: Int) in
                WallTime(text: "\(minutes / 600)\(minutes / 60 % 10):\(minutes % 60 / 10)\(minutes % 10)")!
            }
            settings.serviceHours = ServiceHours(days: days, from: wall(from), to: wall(to), clock: WallClock(identifier: "UTC")!, holidays: [holiday])
            var service: [Range<Int64>] = []
            var day = CalendarDay(containing: since).adding(days: -1)
            while day.startMs < until {
                if days.contains(day.isoWeekday), day != holiday {
                    let start = day.startMs + Int64(from) * F.minute
                    let end = to > from ? day.startMs + Int64(to) * F.minute : day.startMs + F.day + Int64(to) * F.minute
                    service.append(start..<end)
                }
                day = day.adding(days: 1)
            }
            excluded = excluded.union(IntervalSet(service).complement(in: (since - F.day)..<until))
        }
        let item = F.single(checks, since: since, until: until, settings: settings)
        let gaps = ReportOracle.gaps(checks, maxGap: settings.maxGap)
        let expected = ReportOracle.numbers(checks, range: since..<until, settings: settings, gaps: gaps, excluded: excluded)
        var actual = ReportOracle.numbers(of: item.stats)
        actual.latency = expected.latency
        #expect(actual == expected, "seed \(seed): \(settings)")
        #expect(item.stats.availability.excludedMs == excluded.overlap(with: since..<until), "seed \(seed)")
        #expect(item.stats.incidents.downtimeMs == item.stats.availability.downMs, "seed \(seed)")
        for day in item.daily {
            let range = max(day.date.startMs, since)..<min(day.date.startMs + F.day, until)
            var actualDay = ReportOracle.numbers(of: day.stats)
            let expectedDay = ReportOracle.numbers(checks, range: range, settings: settings, gaps: gaps, excluded: excluded)
            actualDay.latency = expectedDay.latency
            #expect(actualDay == expectedDay, "seed \(seed), day \(day.date.text)")
            #expect(day.stats.availability.excludedMs == excluded.overlap(with: range), "seed \(seed), day \(day.date.text)")
        }
    }

    /// Windows longer than the burn rates' look-back, where the report adds settled time to its
    /// window, days and weeks as it goes and drops it from the timeline: with short down runs
    /// counted as up and maintenance left out, every number equals the direct computation's.
    @Test(arguments: 0..<150)
    func longWindowsEqualTheDirectComputation(seed: UInt64) throws {
        var random = SplitMix(seed: seed &+ 70_000)
        let checks = Self.randomChecks(&random, from: F.t0 - 2 * F.day, days: 12)
        var settings = Self.randomSettings(&random)
        if random.next() % 3 != 0 { settings.minIncidentMs = Int64(1 + random.next() % UInt64(3 * F.hour)) }
        var spans: [Range<Int64>] = []
        for _ in 0..<(random.next() % 3) {
            let start = F.t0 - F.day + Int64(random.next() % UInt64(11 * F.day))
            spans.append(start..<(start + 1 + Int64(random.next() % UInt64(10 * F.hour))))
        }
        settings.maintenance = spans.map { MaintenanceWindow(schedule: .once($0), reason: "random") }
        let excluded = IntervalSet(spans)
        let since = F.t0 + (random.next() % 2 == 0 ? 0 : Int64(random.next() % UInt64(F.day)))
        let until = since + 4 * F.day + Int64(random.next() % UInt64(5 * F.day))
        let window = ReportWindow(sinceMs: since, untilMs: until, label: "t")
        let gaps = ReportOracle.gaps(checks, maxGap: settings.maxGap)
        let countedUp = ReportOracle.shortDownRuns(checks, timeline: ReportBuilder.timelineRange(of: window), settings: settings, gaps: gaps)
        func expected(_ range: Range<Int64>) -> ReportOracle.Numbers {
            ReportOracle.numbers(checks, range: range, settings: settings, gaps: gaps, excluded: excluded, countedUp: countedUp)
        }
        func actual(_ stats: PeriodStats, _ range: Range<Int64>) -> ReportOracle.Numbers {
            var numbers = ReportOracle.numbers(of: stats)
            numbers.latency = expected(range).latency
            return numbers
        }
        let item = F.report([("int_a", checks, nil)], since: since, until: until, settings: settings, bucketing: .week).integrations[0]
        #expect(actual(item.stats, since..<until) == expected(since..<until), "seed \(seed): \(settings)")
        for day in item.daily {
            let range = max(day.date.startMs, since)..<min(day.date.startMs + F.day, until)
            #expect(actual(day.stats, range) == expected(range), "seed \(seed), day \(day.date.text)")
        }
        for burn in item.slo.burnRates {
            let time = expected((until - burn.windowMs)..<until)
            #expect(burn.rate == BurnRates.rate(upMs: time.upMs, downMs: time.downMs, target: settings.sloTarget(for: item.info)), "seed \(seed), \(burn.windowMs)")
        }
        #expect(!item.periods.isEmpty)
        for week in item.periods {
            let range = week.stats.sinceMs..<week.stats.untilMs
            #expect(actual(week.stats, range) == expected(range), "seed \(seed), week \(week.label)")
        }
    }

    @Test(arguments: 0..<200)
    func piecesMergedDayByDayEqualPiecesThroughTheRollupEncoding(seed: UInt64) throws {
        var random = SplitMix(seed: seed &+ 10_000)
        let checks = Self.randomChecks(&random, from: F.t0 - F.day, days: 5)
        let settings = Self.randomSettings(&random)
        let window = ReportWindow(sinceMs: F.t0, untilMs: F.t0 + 3 * F.day, label: "t")
        var table = MessageTable()
        let series = CheckSeries(checks, messages: &table)
        let texts = table.messages.map(Redactor.redact)
        let pieces = series.splitByDay().map { day, part in
            DayPiece(day: day, series: part, maxGap: settings.maxGap, messageText: { texts[Int($0)] })
        }
        // Every piece survives the rollup encoding unchanged.
        for piece in pieces {
            let bytes = DayPieceCodec.encode(piece)
            let decoded = try bytes.withUnsafeBytes { try DayPieceCodec.decode($0, day: piece.day) }
            #expect(decoded == piece, "seed \(seed), day \(piece.day.text)")
        }
        // A report from whole-day pieces (as rollups hold them) equals the one built from checks.
        var builder = ReportBuilder(integrations: [F.info("int_a")], window: window, settings: settings)
        builder.addBeforeWindow(Dictionary(uniqueKeysWithValues: pieces.filter { $0.day.startMs < F.t0 }.map { (0, $0) }))
        for entry in ReportBuilder.days(of: window) {
            builder.add(ReportDay(date: entry.day, source: .rollup), pieces: [pieces.first { $0.day == entry.day }])
        }
        let fromPieces = builder.finish(nowMs: window.untilMs).integrations[0]
        let fromChecks = F.single(checks, since: window.sinceMs, until: window.untilMs, settings: settings)
        #expect(fromPieces.stats == fromChecks.stats, "seed \(seed)")
        #expect(fromPieces.daily == fromChecks.daily, "seed \(seed)")
        #expect(fromPieces.topErrors == fromChecks.topErrors, "seed \(seed)")
    }
}

