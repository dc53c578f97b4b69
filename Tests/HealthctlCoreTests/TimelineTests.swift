import Foundation
@testable import HealthctlCore
import Synchronization
import Testing

/// Known answers of the interval algebra, the histograms and the day-source rules.
@Suite struct TimelineTests {
    typealias F = Fixture

    @Test func histogramPercentilesUseTheFloatRankOfPercentileDisc() {
        // 100 values 1...100: p = 0.07 has rank ceil(0.07 * 100) = ceil(7.000000000000001) = 8.
        let histogram = LatencyHistogram((1...100).map { Int32($0) })
        #expect(histogram.percentile(0.07) == 8)
        #expect(histogram.percentile(0.5) == 50 && histogram.percentile(0.99) == 99 && histogram.percentile(0) == 1)
        #expect(histogram.total == 100 && histogram.sum == 5050)
        #expect(LatencyHistogram().percentile(0.5) == nil)
    }

    @Test func aTallyAddsUpManyHistograms() {
        var tally = LatencyTally()
        var expected = LatencyHistogram()
        for day in 0..<20 {
            let part = LatencyHistogram([Int32(day), 100, Int32(1000 - day), 4095 + Int32(day % 3), 90_000])
            tally.add(part)
            expected = expected + part
            #expect(tally.histogram == expected)
        }
    }

    /// Parts of every size, empty ones, pairs and some a hundred times larger than the rest among
    /// them, added to a tally one after another: after each, the tally holds their union.
    @Test func aTallyMergingInPlaceHoldsTheUnionOfItsParts() {
        var random = SplitMix(seed: 11)
        var tally = LatencyTally()
        var parts: [LatencyHistogram] = []
        func part() -> LatencyHistogram {
            LatencyHistogram((0..<Int(random.next() % (random.next() % 8 == 0 ? 6000 : 60))).map { _ in Int32(random.next() % 2000) })
        }
        for step in 0..<60 {
            if step % 3 == 0 {
                let (first, second) = (part(), part())
                tally.add(first, second)
                parts += [first, second]
            } else {
                let single = part()
                tally.add(single)
                parts.append(single)
            }
            #expect(tally.histogram == parts.reduce(LatencyHistogram(), +), "step \(step)")
        }
    }

    /// Many histograms merge alike whether their values are counted in a table indexed by value
    /// or, spread too wide for one, by a dictionary.
    @Test(arguments: [Int32(3_000), 5_000_000])
    func manyHistogramsMergeAsTheirSum(spread: Int32) {
        var random = SplitMix(seed: UInt64(spread))
        let parts = (0..<12).map { index in
            index == 4 ? LatencyHistogram() : LatencyHistogram((0..<Int(random.next() % 80)).map { _ in Int32(random.next() % UInt64(spread)) + 1 })
        }
        #expect(LatencyHistogram.merging(parts) == parts.reduce(LatencyHistogram(), +))
        #expect(LatencyHistogram.merging(parts).total == parts.map(\.total).reduce(0, +))
    }

    @Test func histogramsMergeByAddition() {
        let a = LatencyHistogram([5, 1, 5, 9])
        let b = LatencyHistogram([5, 2, 9, 9, 100])
        let merged = a + b
        #expect(merged.values == [1, 2, 5, 9, 100] && merged.counts == [1, 1, 3, 3, 1])
        #expect(LatencyHistogram.merging([a, b, LatencyHistogram([2])]) == merged + LatencyHistogram([2]))
        #expect(merged == LatencyHistogram([5, 1, 5, 9, 5, 2, 9, 9, 100]))
        // In place: values only one side has, on either end, and equal ones that close up.
        var inPlace = a
        inPlace.formUnion(with: b)
        #expect(inPlace == merged)
        inPlace.formUnion(with: LatencyHistogram([0, 1, 2, 5, 9, 100, 200]))
        #expect(inPlace.values == [0, 1, 2, 5, 9, 100, 200] && inPlace.counts == [1, 2, 2, 4, 4, 2, 1])
        inPlace.formUnion(with: LatencyHistogram())
        #expect(inPlace.total == 16)
        var empty = LatencyHistogram()
        empty.formUnion(with: b)
        #expect(empty == b)
        // A small one into a wide one, in its storage: before, between, on and after its values.
        let wide = LatencyHistogram((0..<40).map { Int32($0 * 10) })
        let small = LatencyHistogram([-3, 5, 10, 10, 395, 1000])
        var widened = wide
        widened.formUnion(with: small)
        #expect(widened == wide + small && widened.total == 46 && widened.values.count == 44)
    }

    /// Random pairs of every shape (one inside the other, apart, interleaved, one far smaller,
    /// empty): merged in place, they equal their sorted merge.
    @Test func histogramsMergedInPlaceEqualTheirUnion() {
        var random = SplitMix(seed: 19)
        func histogram() -> LatencyHistogram {
            let size = Int(random.next() % (random.next() % 4 == 0 ? 3000 : 40))
            let low = Int32(random.next() % 500)
            let span = UInt64(1 + random.next() % 4000)
            return LatencyHistogram((0..<size).map { _ in low + Int32(random.next() % span) })
        }
        for step in 0..<400 {
            let (a, b) = (histogram(), histogram())
            var merged = a
            merged.formUnion(with: b)
            #expect(merged == a + b, "step \(step)")
            var inside = a + b
            inside.formUnion(with: b)
            #expect(inside == a + b + b, "step \(step): values all known")
        }
    }

    @Test func twoHistogramsSummarizeAsTheirUnion() {
        var random = SplitMix(seed: 3)
        for _ in 0..<200 {
            let a = LatencyHistogram((0..<Int(random.next() % 40)).map { _ in Int32(random.next() % 300) })
            let b = LatencyHistogram((0..<Int(random.next() % 40)).map { _ in Int32(random.next() % 300) })
            #expect(LatencyHistogram.summary(of: a, b, invalid: 2) == (a + b).summary(invalid: 2))
            var window = LatencyTally()
            window.add(LatencyHistogram([7, 7, 500]))
            window.add(a, b)
            #expect(window.histogram == LatencyHistogram([7, 7, 500]) + a + b)
        }
    }

    /// Segments from (start minute, end minute, status, message).
    func timeline(_ spans: [(Int64, Int64, HealthStatus, String?)], window: Range<Int64>) -> WindowTimeline {
        var timeline = WindowTimeline(window: window)
        var piece = DayPiece(day: CalendarDay(containing: F.t0))
        piece.segments = spans.map { TimelineSegment(startMs: F.t0 + $0.0 * F.minute, endMs: F.t0 + $0.1 * F.minute, status: $0.2, error: $0.3) }
        piece.firstCheckMs = piece.segments.first?.startMs
        piece.maxGapMs = F.hour
        piece.last = TimelineCheck(timeMs: F.t0 + 600 * F.minute, status: .healthy)
        timeline.add(piece)
        timeline.finish()
        return timeline
    }

    @Test func downRunsJoinAcrossStatusesAndBreakAtHolesAndUnknown() {
        let m = F.minute
        let line = timeline([
            (0, 10, .healthy, nil), (10, 20, .warning, "slow"), (20, 30, .error, "boom"), (30, 40, .healthy, nil),
            (40, 50, .error, nil), (55, 60, .error, "again"), (60, 70, .unknown, nil), (70, 80, .error, "late"),
        ], window: F.t0..<(F.t0 + 80 * m))
        let up = line.stats(in: F.t0..<(F.t0 + 80 * m), warningAs: .up)
        #expect(up.upMs == 30 * m && up.downMs == 35 * m)
        #expect(up.incidents.map { [($0.startMs - F.t0) / m, ($0.endMs - F.t0) / m] } == [[20, 30], [40, 50], [55, 60], [70, 80]])
        #expect(up.incidents.map(\.firstError) == ["boom", nil, "again", "late"])
        #expect(up.incidents.map(\.open) == [false, false, false, true])
        let down = line.stats(in: F.t0..<(F.t0 + 80 * m), warningAs: .down)
        #expect(down.incidents.first.map { [($0.startMs - F.t0) / m, ($0.endMs - F.t0) / m] } == [10, 30])
        #expect(down.incidents.first?.firstError == "slow")
        // Clipped to 25..58: the first incident starts at 25 and names the check holding there.
        let clipped = line.stats(in: (F.t0 + 25 * m)..<(F.t0 + 58 * m), warningAs: .down)
        #expect(clipped.incidents.map { [($0.startMs - F.t0) / m, ($0.endMs - F.t0) / m] } == [[25, 30], [40, 50], [55, 58]])
        #expect(clipped.incidents.map(\.firstError) == ["boom", nil, "again"])
        #expect(clipped.incidents.last?.open == true)
    }

    @Test func aSegmentKeepsTheMessageOfEachCheckWhenCut() {
        var joined: [TimelineSegment] = []
        TimelineSegment.append(TimelineSegment(startMs: 0, endMs: 10, status: .error, error: nil), to: &joined)
        TimelineSegment.append(TimelineSegment(startMs: 10, endMs: 20, status: .error, error: "a"), to: &joined)
        TimelineSegment.append(TimelineSegment(startMs: 20, endMs: 30, status: .error, error: "a"), to: &joined)
        TimelineSegment.append(TimelineSegment(startMs: 30, endMs: 40, status: .error, error: nil), to: &joined)
        TimelineSegment.append(TimelineSegment(startMs: 40, endMs: 50, status: .error, error: "b"), to: &joined)
        #expect(joined.count == 1)
        #expect(joined[0].messages == [MessageChange(timeMs: 10, text: "a"), MessageChange(timeMs: 30, text: nil), MessageChange(timeMs: 40, text: "b")])
        #expect(joined[0].firstError(in: 0..<50) == "a")
        #expect(joined[0].firstError(in: 32..<50) == "b")
        #expect(joined[0].firstError(in: 32..<40) == nil)
        #expect(joined[0].clipped(to: 25..<45).messages == [MessageChange(timeMs: 25, text: "a"), MessageChange(timeMs: 30, text: nil), MessageChange(timeMs: 40, text: "b")])
    }

    @Test func anIncidentAcrossMidnightIsOneInTheWindowAndOnePerDay() {
        let outage = (F.t0 + 23 * F.hour)..<(F.t0 + 25 * F.hour)
        let checks = F.every(5 * F.minute, from: F.t0, to: F.t0 + 2 * F.day) { outage.contains($0) ? .error : .healthy }
        var table = MessageTable()
        let days = CheckSeries(checks, messages: &table).splitByDay()
        let pieces = days.map { DayPiece(day: $0.day, series: $0.series, maxGap: .auto, messageText: { _ in "" }) }
        // The first day's last check holds past midnight only once the next piece settles it.
        #expect(pieces[0].segments.last?.endMs == F.t0 + F.day - 5 * F.minute)
        #expect(pieces[0].last?.timeMs == F.t0 + F.day - 5 * F.minute && pieces[0].last?.status == .error)
        var line = WindowTimeline(window: F.t0..<(F.t0 + 2 * F.day))
        for piece in pieces { line.add(piece) }
        line.finish()
        let whole = line.stats(in: F.t0..<(F.t0 + 2 * F.day), warningAs: .up)
        #expect(whole.incidents.count == 1 && whole.incidents[0].startMs == outage.lowerBound && whole.incidents[0].endMs == outage.upperBound)
        #expect(line.stats(in: F.t0..<(F.t0 + F.day), warningAs: .up).downMs == F.hour)
        #expect(line.stats(in: (F.t0 + F.day)..<(F.t0 + 2 * F.day), warningAs: .up).downMs == F.hour)
    }

    @Test func theAutomaticMaxGapIsEachDaysOwn() {
        // Day one every 5 minutes, day two every hour: 10 minutes, then 2 hours.
        let checks = F.every(5 * F.minute, from: F.t0, to: F.t0 + F.day) + F.every(F.hour, from: F.t0 + F.day, to: F.t0 + 2 * F.day)
        let item = F.single(checks, until: F.t0 + 2 * F.day)
        #expect(item.daily.map(\.maxGapMs) == [10 * F.minute, 2 * F.hour])
        #expect(item.maxGapMs == 2 * F.hour)
        #expect(item.stats.availability.coverage == 1)
        // One check a day: twice the interval since the one before (a day), so it covers its day.
        let daily = F.single([Check(F.t0 - F.day, .healthy), Check(F.t0, .healthy)], until: F.t0 + F.day)
        #expect(daily.daily.map(\.maxGapMs) == [2 * F.day])
        #expect(daily.stats.availability.coverage == 1)
    }

    @Test func whichDaysAReportReadsFromARollup() {
        let day = CalendarDay(year: 2026, month: 11, day: 16)
        func rollup(_ rows: Int64, _ gap: String = "auto") -> RolledUpDay {
            RolledUpDay(day: day, rows: rows, maxGap: gap, format: Int(DayPieceCodec.version), rolledUpAtMs: 0)
        }
        func source(_ raw: Int64, _ rolled: RolledUpDay?, whole: Bool = true, maxGap: ReportSettings.MaxGap = .auto) -> (ReportDay.Source, Bool) {
            let decided = DayReading.source(date: day, countsWholeDay: whole, rawRows: raw, rollup: rolled, maxGap: maxGap)
            return (decided.source, decided.note != nil)
        }
        #expect(source(100, nil) == (.raw, false))
        #expect(source(100, rollup(100)) == (.rollup, false))
        #expect(source(0, rollup(100)) == (.rollup, false))
        #expect(source(40, rollup(100)) == (.rollup, true))
        #expect(source(120, rollup(100)) == (.raw, true))
        // A day the window cuts: its rows while they exist; the rollup's whole-day counts, said so, once pruned.
        #expect(source(100, rollup(100), whole: false) == (.raw, false))
        #expect(source(0, rollup(100), whole: false) == (.rollup, true))
        // Another max gap: the rollup cannot serve; the rows can, and a pruned day says why it has no data.
        #expect(source(100, rollup(100), maxGap: .fixed(milliseconds: 600_000)) == (.raw, false))
        #expect(source(0, rollup(100), maxGap: .fixed(milliseconds: 600_000)) == (.raw, true))
        #expect(source(0, rollup(100, "600000ms"), maxGap: .fixed(milliseconds: 600_000)) == (.rollup, false))
    }

    @Test func workersHandItemsOverInOrderAndStopAtTheFirstError() throws {
        var seen: [Int] = []
        try BlockingWorkers.inOrder(
            count: 50, workers: 3, lookahead: 4, makeWorker: { 0 },
            produce: { calls, item in
                calls += 1
                usleep(UInt32.random(in: 0...2000))
                return item * 2
            },
            consume: { item, value in
                #expect(value == item * 2)
                seen.append(item)
            })
        #expect(seen == Array(0..<50))
        #expect(Self.itemsProducedUntilAnError(producing: 7) < 20, "the workers stop soon after the error")
    }

    private struct Boom: Error {}

    /// How many of 1000 items two workers produce (three ahead) before an error stops them: the
    /// one thrown producing item `failing`, or else the one `beforeConsuming` throws.
    private static func itemsProducedUntilAnError(producing failing: Int? = nil, beforeConsuming: () throws -> Void = {}) -> Int {
        let produced = Mutex(0)
        #expect(throws: Boom.self) {
            try BlockingWorkers.inOrder(
                count: 1000, workers: 2, lookahead: 3, makeWorker: { 0 },
                produce: { _, item in
                    produced.withLock { $0 += 1 }
                    if item == failing { throw Boom() }
                    return item
                },
                beforeConsuming: beforeConsuming, consume: { _, _ in })
        }
        return produced.withLock { $0 }
    }

    /// What runs before the first item is consumed runs while the workers produce it; it runs
    /// with nothing to produce too, and its error stops the workers.
    @Test func workersProduceWhileTheCallerPrepares() throws {
        let firstProduced = DispatchSemaphore(value: 0)
        var order: [String] = []
        try BlockingWorkers.inOrder(
            count: 5, workers: 2, lookahead: 2, makeWorker: { 0 },
            produce: { _, item in
                if item == 0 { firstProduced.signal() }
                return item
            },
            beforeConsuming: {
                #expect(firstProduced.wait(timeout: .now() + 10) == .success, "item 0 is produced before the caller is ready")
                order.append("prepared")
            },
            consume: { item, _ in order.append("item \(item)") })
        #expect(order == ["prepared", "item 0", "item 1", "item 2", "item 3", "item 4"])
        var preparedAlone = false
        try BlockingWorkers.inOrder(
            count: 0, workers: 2, lookahead: 2, makeWorker: { 0 }, produce: { _, item in item }, beforeConsuming: { preparedAlone = true },
            consume: { _, _ in })
        #expect(preparedAlone)
        #expect(Self.itemsProducedUntilAnError(beforeConsuming: { throw Boom() }) <= 3, "no more than the lookahead is produced")
    }
}
