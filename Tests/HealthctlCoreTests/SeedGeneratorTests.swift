import Foundation
import PostgresClient
import Testing

@testable import HealthctlCore

/// The seed generator without a database: determinism, shape and distribution of the data.
@Suite struct SeedGeneratorTests {
    static let until = ISOTime.parseEpochMilliseconds("2026-11-23T00:00:00Z")!
    static let plan = try! SeedPlan(integrations: 60, days: 14, intervalMs: 300_000, seed: 42, untilMs: until)
    /// Generated once and shared: about 240,000 checks.
    static let dataSet = SeedDataSet(plan: plan)
    static let checks = dataSet.allChecks()

    static func byIntegration() -> [Int: [SyntheticCheck]] {
        Dictionary(grouping: checks, by: \.integrationIndex).mapValues { $0.sorted { $0.checkedAtMs < $1.checkedAtMs } }
    }

    @Test func randomStreamIsPinned() {
        // Every seeded data set depends on these numbers; changing them changes every demo and benchmark.
        var random = SeedRandom(1, 2, 3)
        #expect((0..<3).map { _ in random.next() } == [0xF66C_4FD5_6D97_6C32, 0x96E7_A2F4_B157_C7F5, 0xF063_D16E_5E28_F060])
        var other = SeedRandom(1, 2, 4)
        #expect(other.next() != SeedRandom(1, 2, 3).peek())
    }

    @Test func uniformDrawsLookUniform() {
        var random = SeedRandom(7)
        let draws = (0..<100_000).map { _ in random.unit() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        #expect(abs(mean - 0.5) < 0.01)
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { buckets[random.below(10)] += 1 }
        #expect(buckets.allSatisfy { (9_000...11_000).contains($0) })
    }

    @Test func sameSeedGivesSameChecksAndIds() {
        let again = SeedDataSet(plan: Self.plan).allChecks()
        #expect(again == Self.checks)
        #expect(again.prefix(50).map { $0.id(.text, plan: Self.plan) } == Self.checks.prefix(50).map { $0.id(.text, plan: Self.plan) })
        let otherPlan = try! SeedPlan(integrations: 60, days: 14, intervalMs: 300_000, seed: 43, untilMs: Self.until)
        let other = SeedDataSet(plan: otherPlan)
        #expect(other.integrations.map(\.accessToken) != Self.dataSet.integrations.map(\.accessToken))
        #expect(other.integrations[0].id(.text) != Self.dataSet.integrations[0].id(.text))
    }

    @Test func checksDoNotDependOnWhichIntegrationsAreGeneratedTogether() {
        var part: [SyntheticCheck] = []
        Self.dataSet.forEachCheck(integrations: 17..<23, afterChunk: {}) { part.append($0) }
        let expected = Self.checks.filter { (17..<23).contains($0.integrationIndex) }
        #expect(part == expected)
        #expect(!part.isEmpty)
    }

    @Test func checksFollowTheIntervalWithAFewSecondsOfJitter() throws {
        let plan = Self.plan
        for check in Self.checks {
            let slotStart = plan.fromMs + Int64(check.slot) * plan.intervalMs
            #expect(check.checkedAtMs >= slotStart && check.checkedAtMs < slotStart + plan.intervalMs)
        }
        #expect(Self.checks.allSatisfy { $0.checkedAtMs >= plan.fromMs && $0.checkedAtMs < plan.untilMs })
        var steps: [Int64] = []
        for (_, checks) in Self.byIntegration() {
            for (previous, next) in zip(checks, checks.dropFirst()) { steps.append(next.checkedAtMs - previous.checkedAtMs) }
        }
        steps.sort()
        let median = steps[steps.count / 2]
        #expect(abs(median - plan.intervalMs) < 4000)
        // Jitter: not every step is exactly the interval, and none of the regular ones is off by more than the jitter.
        let regular = steps.filter { $0 < plan.intervalMs * 3 / 2 }
        #expect(Set(regular).count > 100)
        #expect(regular.allSatisfy { abs($0 - plan.intervalMs) < plan.maxJitterMs })
    }

    @Test func monitoringGapsLeaveEveryIntegrationWithoutChecks() throws {
        let gaps = Self.dataSet.monitoringGaps
        try #require(!gaps.isEmpty)
        for gap in gaps {
            #expect(gap.count * 5 >= 20 && gap.count * 5 <= 180, "gap of \(gap.count) slots")
        }
        let checkedSlots = Set(Self.checks.map(\.slot))
        #expect(gaps.allSatisfy { gap in gap.allSatisfy { !checkedSlots.contains($0) } })
    }

    @Test func statusSharesLookLikeProduction() {
        let total = Double(Self.checks.count)
        func share(_ status: HealthStatus) -> Double { Double(Self.checks.filter { $0.status == status }.count) / total }
        #expect(Self.checks.count > 60 * 14 * 288 * 8 / 10)
        #expect((0.005...0.06).contains(share(.error)), "ERROR share \(share(.error))")
        #expect((0.003...0.06).contains(share(.warning)), "WARNING share \(share(.warning))")
        #expect(share(.unknown) > 0 && share(.unknown) < 0.005, "UNKNOWN share \(share(.unknown))")
        #expect(share(.healthy) > 0.88)
    }

    @Test func outagesAreRunsOfErrorsLastingMinutesToHours() {
        var runs: [Int] = []
        for (_, checks) in Self.byIntegration() {
            var run = 0
            for check in checks {
                if check.status == .error {
                    run += 1
                } else {
                    if run > 0 { runs.append(run) }
                    run = 0
                }
            }
            if run > 0 { runs.append(run) }
        }
        // Runs of 5-minute checks: a quarter of an hour or more, and some of several hours.
        #expect(runs.filter { $0 >= 3 }.count >= 20)
        #expect(runs.filter { $0 >= 24 }.count >= 2)
        #expect(runs.contains { $0 == 1 }, "single transient errors exist too")
    }

    @Test func nullResponseTimesOnlyOnErrors() {
        let withoutTime = Self.checks.filter { $0.responseTimeMs == nil }
        #expect(!withoutTime.isEmpty)
        #expect(withoutTime.allSatisfy { $0.status == .error })
        let errors = Self.checks.filter { $0.status == .error }
        #expect(withoutTime.count < errors.count, "only some errors lack a response time")
    }

    @Test func responseTimesHaveALongTail() {
        let times = Self.checks.filter { $0.status == .healthy }.compactMap(\.responseTimeMs).sorted()
        let median = times[times.count / 2]
        let p999 = times[times.count * 999 / 1000]
        #expect((50...600).contains(median), "median \(median)")
        #expect(p999 > median * 8, "p99.9 \(p999), median \(median)")
        #expect(times.last! >= 5_000)
        #expect(times.first! >= 3)
    }

    @Test func idsAreUniqueAndShapedLikeTheApplications() throws {
        let plan = Self.plan
        let sample = Self.checks
        let textIds = sample.map { $0.id(.text, plan: plan) }
        #expect(Set(textIds).count == textIds.count)
        let cuid = try Regex("^c[0-9a-z]{24}$")
        #expect(textIds.allSatisfy { $0.wholeMatch(of: cuid) != nil })
        let uuids = sample.map { $0.id(.uuid, plan: plan) }
        #expect(Set(uuids).count == uuids.count)
        let uuidV7 = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        #expect(uuids.allSatisfy { $0.wholeMatch(of: uuidV7) != nil })
        #expect(uuids.allSatisfy { UUID(uuidString: $0) != nil })
        let integers = sample.map { Int($0.id(.integer, plan: plan))! }
        #expect(Set(integers).count == integers.count)
        #expect(integers.allSatisfy { $0 >= 1 && $0 <= plan.maxLogRows })

        let integrationIds = Self.dataSet.integrations.map { $0.id(.text) }
        #expect(Set(integrationIds).count == integrationIds.count)
        #expect(integrationIds.allSatisfy { $0.wholeMatch(of: cuid) != nil })
        #expect(Self.dataSet.integrations.map { $0.id(.integer) } == (1...60).map(String.init))
        // Several integrations per user.
        #expect(Set(Self.dataSet.integrations.map { $0.userId(.text) }).count < 60)
    }

    @Test func someErrorMessagesHoldTokensThatRedactionRemoves() throws {
        let messages = Set(Self.checks.compactMap { $0.message?.text })
        let withSecrets = messages.filter { Redactor.redact($0) != $0 }
        #expect(withSecrets.count >= 3, "messages with token-like strings: \(withSecrets.count)")
        #expect(messages.contains { $0.contains("invalid_grant") })
        #expect(messages.contains { $0.hasPrefix("429") })
        #expect(messages.contains { $0.hasPrefix("5") || $0.contains("ETIMEDOUT") || $0.contains("socket hang up") })
        let tokens = Self.dataSet.integrations.flatMap { [$0.accessToken] + ($0.refreshToken.map { [$0] } ?? []) }
        for message in withSecrets {
            let redacted = Redactor.redact(message)
            #expect(!tokens.contains { redacted.contains($0) }, "a token survived redaction in \(redacted)")
        }
        #expect(withSecrets.contains { message in tokens.contains { message.contains($0) } }, "errors echo the integration's own tokens")
    }

    @Test func integrationsLookLikeADashboard() throws {
        let plan = try SeedPlan(integrations: 400, days: 14, intervalMs: 300_000, seed: 42, untilMs: Self.until)
        let integrations = (0..<400).map { SyntheticIntegration(plan: plan, index: $0) }
        #expect(Set(integrations.map(\.provider)).count >= 9)
        #expect(integrations.contains { $0.refreshToken == nil })
        #expect(integrations.filter { $0.refreshToken != nil }.count > 250)
        #expect(integrations.contains { $0.tokenExpiryMs < plan.untilMs })
        #expect(integrations.contains { $0.tokenExpiryMs > plan.untilMs })
        let inactive = integrations.filter { !$0.isActive }
        #expect((3...40).contains(inactive.count))
        #expect(integrations.allSatisfy { $0.createdAtMs <= $0.updatedAtMs && $0.updatedAtMs < plan.untilMs })
        #expect(integrations.contains { $0.createdAtMs > plan.fromMs })
        for integration in integrations {
            let config = try JSONSerialization.jsonObject(with: Data(integration.configJSON.utf8)) as? [String: Any]
            #expect(config?["scopes"] is [String])
        }
        // Checks start at creation and stop at deactivation.
        for integration in integrations.prefix(100) where integration.createdAtMs > plan.fromMs || !integration.isActive {
            var stream = CheckStream(plan: plan, integration: integration, monitoringGaps: [])
            var first: Int64?
            var last: Int64?
            stream.generate(upTo: plan.slotCount) { check in
                first = first ?? check.checkedAtMs
                last = check.checkedAtMs
            }
            if let first { #expect(first >= integration.createdAtMs) }
            if let last, !integration.isActive { #expect(last < integration.updatedAtMs) }
        }
    }

    @Test func invalidPlansAreUsageErrors() {
        #expect(throws: SeedError.self) { try SeedPlan(integrations: 0, days: 1, intervalMs: 300_000, seed: 1, untilMs: Self.until) }
        #expect(throws: SeedError.self) { try SeedPlan(integrations: 1, days: 0, intervalMs: 300_000, seed: 1, untilMs: Self.until) }
        #expect(throws: SeedError.self) { try SeedPlan(integrations: 1, days: 1, intervalMs: 500, seed: 1, untilMs: Self.until) }
        #expect(throws: SeedError.self) { try SeedPlan(integrations: 1, days: 1, intervalMs: 2 * 86_400_000, seed: 1, untilMs: Self.until) }
        #expect(SeedError.invalidPlan("x").category == .usage)
    }

    @Test func rowsAreEncodedAsCopyTextForTheColumnTypes() throws {
        let check = SyntheticCheck(
            integrationIndex: 3, slot: 2, checkedAtMs: ISOTime.parseEpochMilliseconds("2026-11-22T10:15:00.123Z")!,
            status: .error, responseTimeMs: nil, message: SeedMessage("bad\ttab \\ here"), idEntropy: 0)
        var timestamp = CopyRowBuffer()
        timestamp.appendTimestamp(epochMilliseconds: check.checkedAtMs, withZone: false)
        #expect(String(decoding: timestamp.bytes, as: UTF8.self) == "2026-11-22 10:15:00.123")
        #expect(check.id(.integer, plan: Self.plan) == "124")  // slot 2 * 60 integrations + index 3 + 1
        #expect(check.id(.text, plan: Self.plan).hasPrefix("c"))
        #expect(SeedMessage("bad\ttab \\ here").copyBytes == Array("bad\\ttab \\\\ here".utf8))

        var random = SeedRandom(9)
        for _ in 0..<2000 {
            let millis = Int64(random.below(4_000_000_000_000))
            var buffer = CopyRowBuffer()
            buffer.appendTimestamp(epochMilliseconds: millis, withZone: true)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == PostgresTimestamp.format(epochMilliseconds: millis) + "+00")
        }
        var decimals = CopyRowBuffer()
        for value: Int64 in [0, 7, 10, 99, 12345, -42, Int64.max] {
            decimals.appendDecimal(value)
            decimals.append(32)
        }
        #expect(String(decoding: decimals.bytes, as: UTF8.self) == "0 7 10 99 12345 -42 9223372036854775807 ")
    }
}

extension SeedRandom {
    /// The next value without advancing.
    fileprivate func peek() -> UInt64 {
        var copy = self
        return copy.next()
    }
}
