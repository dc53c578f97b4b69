import Foundation
import HealthctlCore
import Testing

/// Hand-built fixtures with known answers for the definitions in the README's report section.
enum Fixture {
    /// 2026-11-16T00:00:00Z, a Monday.
    static let t0: Int64 = 1_794_787_200_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func info(_ id: String, provider: String? = "google") -> IntegrationInfo {
        IntegrationInfo(id: id, provider: provider, healthStatus: .healthy, lastHealthCheckMs: nil)
    }

    /// Builds a report over `[since, until)` from hand-written checks per integration.
    static func report(
        _ integrations: [(id: String, checks: [Check], carryIn: CarryIn?)], since: Int64 = t0, until: Int64,
        settings: ReportSettings = ReportSettings(), now: Int64? = nil, bucketing: ReportBucketing? = nil
    ) -> Report {
        var table = MessageTable()
        let inputs = integrations.map { item in
            IntegrationInput(info: info(item.id), series: CheckSeries(item.checks, messages: &table), carryIn: item.carryIn)
        }
        return ReportBuilder.build(
            inputs: inputs, messages: table, window: ReportWindow(sinceMs: since, untilMs: until, label: "test"),
            settings: settings, nowMs: now ?? until, bucketing: bucketing)
    }

    static func single(
        _ checks: [Check], carryIn: CarryIn? = nil, since: Int64 = t0, until: Int64, settings: ReportSettings = ReportSettings()
    ) -> IntegrationReport {
        report([("int_a", checks, carryIn)], since: since, until: until, settings: settings).integrations[0]
    }

    /// Checks every `step` from `start` (included) to `end` (excluded).
    static func every(_ step: Int64, from start: Int64, to end: Int64, _ status: (Int64) -> HealthStatus = { _ in .healthy }) -> [Check] {
        stride(from: start, to: end, by: Int(step)).map { Check($0, status($0), responseTimeMs: 100) }
    }
}

@Suite struct ReportAvailabilityTests {
    typealias F = Fixture

    @Test func uniformHealthyChecksCoverTheWholeWindow() {
        let item = F.single(F.every(5 * F.minute, from: F.t0, to: F.t0 + F.hour), until: F.t0 + F.hour)
        let availability = item.stats.availability
        #expect(item.stats.checks == CheckCounts(healthy: 12))
        #expect(availability.countBased == 1)
        #expect(availability.timeWeighted == 1)
        #expect(availability.coverage == 1)
        #expect(availability.strict == 1)
        #expect(item.maxGapMs == 10 * F.minute)
        #expect(item.stats.incidents.count == 0)
        #expect(item.slo.met == true)
    }

    @Test func oneHourOutageIsOneIncidentOfExactlyAnHour() throws {
        let outage = (F.t0 + 10 * F.hour)..<(F.t0 + 11 * F.hour)
        let checks = F.every(5 * F.minute, from: F.t0, to: F.t0 + F.day) { outage.contains($0) ? .error : .healthy }
        let item = F.single(checks, until: F.t0 + F.day)
        #expect(item.stats.checks.error == 12)
        #expect(item.stats.availability.downMs == F.hour)
        #expect(item.stats.availability.timeWeighted == 23.0 / 24.0)
        #expect(item.stats.availability.countBased == 276.0 / 288.0)
        let incident = try #require(item.stats.incidents.items.first)
        #expect(item.stats.incidents.count == 1)
        #expect(incident.startMs == outage.lowerBound && incident.endMs == outage.upperBound && !incident.open)
        #expect(item.stats.incidents.mttrSeconds == 3600)
        #expect(item.stats.incidents.mtbfSeconds == 82_800.0)
        #expect(item.stats.incidents.longestMs == F.hour)
        #expect(item.slo.met == false)
        #expect(abs(item.slo.burnRate! - (1.0 / 24.0) / 0.001) < 1e-9)
        #expect(abs(item.slo.errorBudgetRemaining! - (23.0 / 24.0 - 0.999) / 0.001) < 1e-9)
        #expect(abs(item.slo.allowedDowntimeSeconds - 86.4) < 1e-9)
        #expect(item.daily.count == 1)
        #expect(item.daily[0].stats.availability.downMs == F.hour)
    }

    @Test func irregularIntervalsMakeCountBasedAndTimeWeightedDiffer() {
        let m = F.minute
        let checks = [
            Check(F.t0, .healthy), Check(F.t0 + 10 * m, .error), Check(F.t0 + 11 * m, .error), Check(F.t0 + 12 * m, .error),
            Check(F.t0 + 20 * m, .healthy),
        ]
        let item = F.single(checks, until: F.t0 + F.hour, settings: ReportSettings(maxGap: .fixed(milliseconds: 30 * m)))
        let availability = item.stats.availability
        #expect(availability.countBased == 0.4)
        #expect(availability.upMs == 40 * m)
        #expect(availability.downMs == 10 * m)
        #expect(availability.timeWeighted == 0.8)
        #expect(availability.coverage == 50.0 / 60.0)
        #expect(availability.strict == 40.0 / 60.0)
        // Intervals 10, 1, 1, 8 minutes: the median (lower middle) is 1 minute, auto max-gap 2 minutes.
        let auto = F.single(checks, until: F.t0 + F.hour)
        #expect(auto.maxGapMs == 2 * m)
        #expect(auto.stats.availability.upMs == 2 * m + 2 * m)
        #expect(auto.stats.availability.downMs == 1 * m + 1 * m + 2 * m)
    }

    @Test func gapsLongerThanMaxGapAreNoData() {
        let m = F.minute
        // Checks every 5 minutes except for a hole from 00:30 to 01:30.
        let checks = F.every(5 * m, from: F.t0, to: F.t0 + 2 * F.hour).filter { $0.timeMs <= F.t0 + 25 * m || $0.timeMs >= F.t0 + 90 * m }
        let auto = F.single(checks, until: F.t0 + 2 * F.hour)
        #expect(auto.maxGapMs == 10 * m)
        // The 00:25 check holds 10 minutes, then 55 minutes are not covered.
        #expect(auto.stats.availability.upMs == 2 * F.hour - 55 * m)
        #expect(auto.stats.availability.timeWeighted == 1)
        #expect(auto.stats.availability.coverage == Double(2 * F.hour - 55 * m) / Double(2 * F.hour))
        let fixed = F.single(checks, until: F.t0 + 2 * F.hour, settings: ReportSettings(maxGap: .fixed(milliseconds: 30 * m)))
        #expect(fixed.stats.availability.upMs == 2 * F.hour - 35 * m)
        // An outage that runs into a hole ends where the last check's hold ends, and a down check
        // after the hole starts a new incident.
        let flapping = [Check(F.t0, .error), Check(F.t0 + 5 * m, .error), Check(F.t0 + 60 * m, .error), Check(F.t0 + 65 * m, .healthy)]
        let incidents = F.single(flapping, until: F.t0 + 2 * F.hour, settings: ReportSettings(maxGap: .fixed(milliseconds: 10 * m)))
            .stats.incidents
        #expect(incidents.items.map(\.durationMs) == [15 * m, 5 * m])
    }

    @Test func statusCarriedInFromBeforeTheWindowIsClippedAtSince() throws {
        let m = F.minute
        let since = F.t0 + 10 * F.hour
        let carry = CarryIn(timeMs: since - 2 * m, status: .error, errorMessage: "invalid_grant: refresh_token=1/abcdef0123456789abcdef0123456789")
        let checks = F.every(5 * m, from: since + 5 * m, to: since + F.hour)
        let item = F.single(checks, carryIn: carry, since: since, until: since + F.hour, settings: ReportSettings(maxGap: .fixed(milliseconds: 10 * m)))
        #expect(item.stats.availability.downMs == 5 * m)
        #expect(item.stats.availability.upMs == 55 * m)
        let incident = try #require(item.stats.incidents.items.first)
        #expect(incident.startMs == since && incident.endMs == since + 5 * m)
        #expect(incident.firstError == "invalid_grant: refresh_token=[REDACTED]")
        // The same from a series that holds the earlier check itself.
        let fromSeries = F.single([Check(since - 2 * m, .error)] + checks, since: since, until: since + F.hour,
            settings: ReportSettings(maxGap: .fixed(milliseconds: 10 * m)))
        #expect(fromSeries.stats.availability.downMs == 5 * m)
        #expect(fromSeries.stats.checks.total == 11)
        // A carry-in older than max-gap does not reach the window.
        let stale = F.single(checks, carryIn: CarryIn(timeMs: since - 11 * m, status: .error), since: since, until: since + F.hour,
            settings: ReportSettings(maxGap: .fixed(milliseconds: 10 * m)))
        #expect(stale.stats.availability.downMs == 0)
    }

    @Test func integrationWithoutChecksIsNoDataNeverHundredPercent() {
        let report = F.report(
            [("int_a", F.every(5 * F.minute, from: F.t0, to: F.t0 + F.hour), nil), ("int_b", [], nil)], until: F.t0 + F.hour)
        let empty = report.integrations[1]
        #expect(!empty.hasData)
        #expect(empty.stats.availability.countBased == nil)
        #expect(empty.stats.availability.timeWeighted == nil)
        #expect(empty.stats.availability.coverage == 0)
        #expect(empty.slo.met == nil)
        #expect(report.fleet.noData == 1 && report.fleet.withData == 1 && report.fleet.breachingSLO == 0)
        let markdown = ReportMarkdown.render(report)
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| int_b |") }
        #expect(row?.contains("no data") == true)
        #expect(row?.contains("100") == false)
    }

    @Test func warningCountsAsUpOrDown() {
        let m = F.minute
        let checks = [Check(F.t0, .healthy), Check(F.t0 + 15 * m, .warning), Check(F.t0 + 30 * m, .warning), Check(F.t0 + 45 * m, .healthy)]
        let up = F.single(checks, until: F.t0 + F.hour)
        #expect(up.stats.availability.timeWeighted == 1)
        #expect(up.stats.availability.countBased == 1)
        #expect(up.stats.incidents.count == 0)
        let down = F.single(checks, until: F.t0 + F.hour, settings: ReportSettings(warningAs: .down))
        #expect(down.stats.availability.timeWeighted == 0.5)
        #expect(down.stats.availability.countBased == 0.5)
        #expect(down.stats.incidents.items.map(\.durationMs) == [30 * m])
    }

    @Test func unknownChecksAreNoData() {
        let m = F.minute
        let item = F.single([Check(F.t0, .healthy), Check(F.t0 + 30 * m, .unknown)], until: F.t0 + F.hour,
            settings: ReportSettings(maxGap: .fixed(milliseconds: F.hour)))
        #expect(item.stats.availability.upMs == 30 * m)
        #expect(item.stats.availability.coverage == 0.5)
        #expect(item.stats.availability.timeWeighted == 1)
        #expect(item.stats.checks.unknown == 1)
    }

    @Test func openIncidentReachesUntil() throws {
        let item = F.single([Check(F.t0, .healthy), Check(F.t0 + 50 * F.minute, .error)], until: F.t0 + F.hour,
            settings: ReportSettings(maxGap: .fixed(milliseconds: F.hour)))
        let incident = try #require(item.stats.incidents.items.first)
        #expect(incident.open && incident.endMs == F.t0 + F.hour && incident.durationMs == 10 * F.minute)
    }

    @Test func dailySeriesAddsUpToTheWindow() {
        let outage = (F.t0 + 23 * F.hour)..<(F.t0 + 25 * F.hour)
        let checks = F.every(5 * F.minute, from: F.t0, to: F.t0 + 3 * F.day) { outage.contains($0) ? .error : .healthy }
        let item = F.single(checks, since: F.t0 + 12 * F.hour, until: F.t0 + 3 * F.day)
        #expect(item.daily.map(\.date.text) == ["2026-11-16", "2026-11-17", "2026-11-18"])
        #expect(item.daily.map(\.stats.availability.downMs) == [F.hour, F.hour, 0])
        #expect(item.daily.reduce(0) { $0 + $1.stats.availability.upMs } == item.stats.availability.upMs)
        #expect(item.daily[0].stats.availability.coverage == 1)
        #expect(item.daily.map(\.slo.met) == [false, false, true])
        // One incident across midnight in the window, one per day in the daily series.
        #expect(item.stats.incidents.count == 1)
        #expect(item.daily.map(\.stats.incidents.count) == [1, 1, 0])
    }

    @Test func sloIsComparedExactly() throws {
        let m = F.minute
        // 999 minutes up and 1 minute down is exactly 99.9 %.
        let checks = [Check(F.t0, .healthy), Check(F.t0 + 999 * m, .error)]
        let item = F.single(checks, until: F.t0 + 1000 * m, settings: ReportSettings(maxGap: .fixed(milliseconds: F.day)))
        #expect(item.stats.availability.timeWeighted == 0.999)
        #expect(item.slo.met == true)
        let strict = F.single(checks, until: F.t0 + 1000 * m, settings: ReportSettings(slo: try #require(SLOTarget(percent: "99.95")), maxGap: .fixed(milliseconds: F.day)))
        #expect(strict.slo.met == false)
        #expect(SLOTarget(percent: "100")?.ratio == 1)
        #expect(SLOTarget(percent: "99.90")?.percentText == "99.9 %" && SLOTarget(percent: "99")?.percentText == "99 %")
        #expect(SLOTarget(percent: "0") == nil && SLOTarget(percent: "100.1") == nil && SLOTarget(percent: "abc") == nil)
        let perfect = F.single(checks, until: F.t0 + 1000 * m, settings: ReportSettings(slo: try #require(SLOTarget(percent: "100")), maxGap: .fixed(milliseconds: F.day)))
        #expect(perfect.slo.errorBudgetRemaining == nil && perfect.slo.burnRate == nil && perfect.slo.met == false)
    }
}

@Suite struct ReportLatencyTests {
    typealias F = Fixture

    @Test func nullAndNegativeResponseTimesAreLeftOut() {
        let m = F.minute
        let times: [Int?] = [100, nil, -5, 200, 300, 50]
        let checks = times.enumerated().map { Check(F.t0 + Int64($0.offset) * m, .healthy, responseTimeMs: $0.element) }
            + [Check(F.t0 + 10 * m, .error, responseTimeMs: 5000)]
        let all = F.single(checks, until: F.t0 + F.hour).stats.latency
        #expect(all.count == 5 && all.invalid == 1)
        #expect(all.min == 50 && all.max == 5000)
        #expect(all.mean == 5650.0 / 5)
        #expect(all.p50 == 200 && all.p90 == 5000)
        let healthy = F.single(checks, until: F.t0 + F.hour, settings: ReportSettings(latencyOf: .healthy)).stats.latency
        #expect(healthy.count == 4 && healthy.invalid == 1)
        #expect(healthy.mean == 162.5)
        // Sorted 50, 100, 200, 300: p50 is rank ceil(0.5 x 4) = 2, p90 rank ceil(3.6) = 4.
        #expect(healthy.p50 == 100 && healthy.p90 == 300 && healthy.p99 == 300)
    }

    @Test func nearestRankMatchesPercentileDiscDefinition() {
        #expect(Percentile.nearestRankIndex(0.5, count: 1) == 0)
        #expect(Percentile.nearestRankIndex(0.5, count: 10) == 4)
        #expect(Percentile.nearestRankIndex(0.9, count: 10) == 8)
        #expect(Percentile.nearestRankIndex(0.95, count: 10) == 9)
        #expect(Percentile.nearestRankIndex(0, count: 10) == 0)
        #expect(Percentile.nearestRankIndex(0.99, count: 1000) == 989)
    }

    @Test func fleetPercentilesEqualThoseOfAllChecksTogether() {
        var generator = SplitMix(seed: 7)
        var integrations: [(id: String, checks: [Check], carryIn: CarryIn?)] = []
        var all: [Int] = []
        for index in 0..<6 {
            let count = Int(generator.next() % 50) + (index == 3 ? 0 : 1)
            let values = (0..<count).map { _ in Int(generator.next() % 2000) }
            all += values
            integrations.append(("int_\(index)", values.enumerated().map { Check(F.t0 + Int64($0.offset) * 1000, .healthy, responseTimeMs: $0.element) }, nil))
        }
        let fleet = F.report(integrations, until: F.t0 + F.hour).fleet.latency
        all.sort()
        func disc(_ p: Double) -> Int { all[Percentile.nearestRankIndex(p, count: all.count)] }
        #expect(fleet.count == all.count)
        #expect(fleet.p50 == disc(0.5) && fleet.p90 == disc(0.9) && fleet.p95 == disc(0.95) && fleet.p99 == disc(0.99))
        #expect(fleet.min == all.first && fleet.max == all.last)
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
