@testable import HealthctlCore
import Testing

/// Month pieces (what month rollups hold) against the day pieces they merge: a report built from
/// months equals the one built day by day.
@Suite struct MonthPieceTests {
    typealias F = Fixture

    static let september = CalendarDay(year: 2026, month: 9, day: 1)

    static func check(_ day: CalendarDay, hour: Int64, minute: Int64 = 0, _ status: HealthStatus, error: String? = nil) -> Check {
        Check(day.startMs + hour * F.hour + minute * F.minute, status, responseTimeMs: 100, errorMessage: error)
    }

    static func pieces(_ checks: [Check], maxGap: ReportSettings.MaxGap) -> [DayPiece] {
        var table = MessageTable()
        let series = CheckSeries(checks, messages: &table)
        let texts = table.messages.map(Redactor.redact)
        return series.splitByDay().map { day, part in
            DayPiece(day: day, series: part, maxGap: maxGap, messageText: { texts[Int($0)] })
        }
    }

    /// A month whose first day with checks has one check: that day stays apart (its max gap
    /// comes from the check before it); an incident across an inner midnight is one segment.
    @Test func aLoneFirstCheckStaysApartAndInnerMidnightsAreSettled() {
        let october = CalendarDay(year: 2026, month: 10, day: 1)
        let day2 = october.adding(days: 1)
        let day3 = october.adding(days: 2)
        let checks = [
            Self.check(october, hour: 23, .healthy),
            Self.check(day2, hour: 0, minute: 10, .healthy),
            Self.check(day2, hour: 23, minute: 50, .error, error: "HTTP 503"),
            Self.check(day2, hour: 23, minute: 55, .error, error: "HTTP 503"),
            Self.check(day3, hour: 0, minute: 0, .error, error: "timeout"),
            Self.check(day3, hour: 0, minute: 5, .healthy),
        ]
        let month = MonthPiece(month: october, days: Self.pieces(checks, maxGap: .auto))
        #expect(month.head?.checks.total == 1)
        #expect(month.head?.maxGapMs == nil)
        let body = try! #require(month.body)
        #expect(body.checks.total == 5)
        #expect(body.firstCheckMs == day2.startMs + 10 * F.minute)
        #expect(body.last?.timeMs == day3.startMs + 5 * F.minute)
        // Day 2 holds with 2 x its median interval; day 3's checks are 5 minutes apart.
        #expect(body.maxGapMs == ReportSettings.clampAutoGap(10 * F.minute))
        let down = body.segments.filter { $0.status == .error }
        #expect(down.count == 1)
        #expect(down.first?.startMs == day2.startMs + (23 * 60 + 50) * F.minute)
        #expect(down.first?.endMs == day3.startMs + 5 * F.minute)
        #expect(down.first?.messages == [
            MessageChange(timeMs: day2.startMs + (23 * 60 + 50) * F.minute, text: "HTTP 503"),
            MessageChange(timeMs: day3.startMs, text: "timeout"),
        ])
        #expect(body.errors == ["HTTP 503": 2, "timeout": 1])
    }

    /// Every piece of a month survives the rollup encoding.
    @Test(arguments: 0..<40)
    func monthPiecesSurviveTheRollupEncoding(seed: UInt64) throws {
        var random = SplitMix(seed: seed &+ 40_000)
        let checks = Self.randomChecks(&random, from: Self.september.startMs, days: 30)
        let month = MonthPiece(month: Self.september, days: Self.pieces(checks, maxGap: .auto))
        let decoded = try MonthPieceCodec.decode(MonthPieceCodec.encode(month), month: Self.september)
        #expect(decoded == month, "seed \(seed)")
    }

    /// Pieces decoded with one interner hold one copy of each text, equal to what they encoded;
    /// a month decoded without its days' numbers is the same piece but for them.
    @Test func decodedPiecesShareTheirTexts() throws {
        var random = SplitMix(seed: 77)
        let checks = Self.randomChecks(&random, from: Self.september.startMs, days: 30)
        let month = MonthPiece(month: Self.september, days: Self.pieces(checks, maxGap: .auto))
        let bytes = MonthPieceCodec.encode(month)
        let texts = TextInterner()
        let first = try bytes.withUnsafeBytes { try MonthPieceCodec.decode($0, month: Self.september, texts: texts) }
        let second = try bytes.withUnsafeBytes { try MonthPieceCodec.decode($0, month: Self.september, texts: texts, dailyNumbers: false) }
        #expect(first == month)
        var withoutDays = month
        withoutDays.days = MonthPiece(month: Self.september).days
        #expect(second == withoutDays)
        func storage(_ text: String) -> UnsafePointer<UInt8>? { text.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil }
        let firstTexts = (first.body?.segments ?? []).flatMap(\.messages).compactMap(\.text)
        let secondTexts = (second.body?.segments ?? []).flatMap(\.messages).compactMap(\.text)
        #expect(firstTexts.count > 3 && firstTexts == secondTexts && firstTexts.contains { $0.utf8.count > 15 })
        for (left, right) in zip(firstTexts, secondTexts) where left.utf8.count > 15 { #expect(storage(left) == storage(right)) }
        let messages = Set(firstTexts)
        #expect(messages.count < firstTexts.count)
        let interned = messages.map { text in Array(text.utf8).withUnsafeBytes { texts.text($0) } }
        #expect(Set(interned) == messages)
        #expect(Array("not seen before".utf8).withUnsafeBytes { texts.text($0) } == "not seen before")
    }

    /// Thousands of texts: each comes back equal to its bytes, and a text seen before comes back
    /// as the same storage, however large the table has grown; short texts are not kept.
    @Test func anInternerKeepsOneCopyOfEachText() {
        let texts = TextInterner()
        let messages = (0..<5000).map { "upstream error \($0 * 7919): connection reset by peer" } + ["short"]
        func lookUp(_ text: String) -> String { Array(text.utf8).withUnsafeBytes { texts.text($0) } }
        let first = messages.map(lookUp)
        let second = messages.map(lookUp)
        #expect(first == messages && second == messages)
        func storage(_ text: String) -> UnsafePointer<UInt8>? { text.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil }
        #expect(zip(first, second).dropLast().allSatisfy { storage($0) == storage($1) })
    }

    /// Checks days or hours apart, with single-check days, empty days and long holes, so heads,
    /// carry-ins across months and gaps from the check before all occur.
    static func randomChecks(_ random: inout SplitMix, from start: Int64, days: Int) -> [Check] {
        var checks: [Check] = []
        let end = start + Int64(days) * F.day
        var time = start + Int64(random.next() % UInt64(3 * F.day))
        let step = [20 * F.minute, 3 * F.hour, 20 * F.hour][Int(random.next() % 3)]
        var status = HealthStatus.healthy
        while time < end {
            if random.next() % 6 == 0 { status = [.healthy, .warning, .error, .unknown][Int(random.next() % 4)] }
            let latency: Int? = random.next() % 15 == 0 ? nil : (random.next() % 40 == 0 ? -1 : Int(random.next() % 3000))
            let message = status == .error && random.next() % 3 != 0 ? ReportPropertyTests.messages[Int(random.next() % 4)] : nil
            checks.append(Check(time, status, responseTimeMs: latency, errorMessage: message))
            var next = step / 2 + Int64(random.next() % UInt64(step))
            if random.next() % 20 == 0 { next *= Int64(2 + random.next() % 12) }
            time += next
        }
        return checks
    }

    /// A report of about three months (with carry-ins from before the window), built once from
    /// day pieces and once with the whole months as month pieces: every number is the same, the
    /// daily series too.
    @Test(arguments: 0..<150)
    func aReportFromMonthPiecesEqualsOneFromDayPieces(seed: UInt64) throws {
        var random = SplitMix(seed: seed &+ 20_000)
        let since = Self.september.adding(days: 19)
        let until = CalendarDay(year: 2026, month: 12, day: 9)
        let checks = Self.randomChecks(&random, from: since.startMs - 4 * F.day, days: 85)
        var settings = ReportPropertyTests.randomSettings(&random)
        if random.next() % 3 == 0 { settings.minIncidentMs = Int64(random.next() % UInt64(3 * F.hour)) }
        let bucketing: ReportBucketing? = random.next() % 2 == 0 ? .month : nil
        let dailySeries = random.next() % 2 == 0
        let window = ReportWindow(sinceMs: since.startMs, untilMs: until.startMs, label: "t")
        let pieces = Self.pieces(checks, maxGap: settings.maxGap)
        let before = pieces.filter { $0.day < since }
        let days = ReportBuilder.days(of: window).map(\.day)

        var byDays = ReportBuilder(integrations: [F.info("int_a")], window: window, settings: settings, bucketing: bucketing, dailySeries: dailySeries)
        for piece in before { byDays.addBeforeWindow([0: piece]) }
        for day in days { byDays.add(ReportDay(date: day, source: .rollup), pieces: [pieces.first { $0.day == day }]) }

        var byMonths = ReportBuilder(integrations: [F.info("int_a")], window: window, settings: settings, bucketing: bucketing, dailySeries: dailySeries)
        for piece in before { byMonths.addBeforeWindow([0: piece]) }
        var index = 0
        while index < days.count {
            let day = days[index]
            let month = MonthPiece.start(of: day)
            let monthDays = MonthPiece.days(of: month)
            guard day == month, index + monthDays.count <= days.count else {
                byMonths.add(ReportDay(date: day, source: .rollup), pieces: [pieces.first { $0.day == day }])
                index += 1
                continue
            }
            let inMonth = pieces.filter { MonthPiece.start(of: $0.day) == month }
            let merged = MonthPiece(month: month, days: inMonth)
            // Without a daily series a report decodes no day's numbers.
            let decoded = try MonthPieceCodec.encode(merged).withUnsafeBytes {
                try MonthPieceCodec.decode($0, month: month, dailyNumbers: dailySeries)
            }
            byMonths.add(month: monthDays.map { ReportDay(date: $0, source: .rollup) }, pieces: [inMonth.isEmpty ? nil : decoded])
            index += monthDays.count
        }
        let expected = byDays.finish(nowMs: window.untilMs)
        let actual = byMonths.finish(nowMs: window.untilMs)
        let rows: ReportRows = bucketing == nil ? .integration : .month
        #expect(ReportCSV.render(actual, rows: rows) == ReportCSV.render(expected, rows: rows), "seed \(seed)")
        #expect(ReportMetrics.render(actual) == ReportMetrics.render(expected), "seed \(seed)")
        let (left, right) = (actual.integrations[0], expected.integrations[0])
        #expect(left.stats == right.stats, "seed \(seed)")
        #expect(left.maxGapMs == right.maxGapMs, "seed \(seed)")
        #expect(left.slo == right.slo, "seed \(seed)")
        #expect(left.periods == right.periods, "seed \(seed)")
        #expect(left.topErrors == right.topErrors, "seed \(seed)")
        #expect(left.latencyHistogram == right.latencyHistogram, "seed \(seed)")
        #expect(actual.days == expected.days, "seed \(seed)")
        #expect(left.daily == right.daily, "seed \(seed)")
        if dailySeries {
            #expect(ReportJSON.render(actual) == ReportJSON.render(expected), "seed \(seed)")
            #expect(ReportMarkdown.render(actual) == ReportMarkdown.render(expected), "seed \(seed)")
        }
    }
}
