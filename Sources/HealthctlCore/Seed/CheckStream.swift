/// One generated health check, before it becomes a row.
public struct SyntheticCheck: Sendable, Equatable {
    public var integrationIndex: Int
    public var slot: Int
    public var checkedAtMs: Int64
    public var status: HealthStatus
    /// NULL (nil) only for ERROR checks that got no answer.
    public var responseTimeMs: Int?
    public var message: SeedMessage?
    var idEntropy: UInt64

    func identifier(integrations: Int) -> SeedIdentifier {
        SeedIdentifier(
            timeMs: checkedAtMs, counter: integrationIndex, entropy: idEntropy,
            sequence: Int64(slot) * Int64(integrations) + Int64(integrationIndex) + 1)
    }

    public func id(_ type: HealthSchema.IdentifierType, plan: SeedPlan) -> String {
        identifier(integrations: plan.integrations).text(type)
    }
}

/// The checks of one integration, slot by slot: a small state machine of normal operation (with
/// rare single failures, warnings and UNKNOWNs), outages (runs of ERROR from minutes to days),
/// WARNING bursts and pauses, inside the window's global monitoring gaps.
///
/// Every draw comes from the integration's own stream, so its checks are the same whatever other
/// integrations are generated with it, in whatever order or chunks.
public struct CheckStream {
    private enum Episode {
        case normal
        case outage(remaining: Int, kind: OutageKind, message: SeedMessage)
        case warnings(remaining: Int, message: SeedMessage, slowdown: Double)
        /// This integration alone is not checked (sync paused, worker shard down).
        case paused(remaining: Int)
    }

    public let integration: SyntheticIntegration
    private let fromMs: Int64
    private let intervalMs: Int64
    private let maxJitterMs: Int
    private let monitoringGaps: [Range<Int>]
    private var gapCursor = 0
    private var random: SeedRandom
    private var episode = Episode.normal
    /// The next slot to generate.
    public private(set) var slot: Int

    // Per-slot chances of starting an episode, and per-check chances of a one-off.
    private let outageChance: Double
    private let revokedChance: Double
    private let warningBurstChance: Double
    private let pauseChance: Double
    private let transientErrorChance: Double
    private static let transientWarningChance = 0.003
    private static let unknownChance = 0.0008

    public init(plan: SeedPlan, integration: SyntheticIntegration, monitoringGaps: [Range<Int>]) {
        self.integration = integration
        fromMs = plan.fromMs
        intervalMs = plan.intervalMs
        maxJitterMs = Int(max(1, plan.maxJitterMs))
        self.monitoringGaps = monitoringGaps
        random = plan.random(.checks, integration.index)
        slot = integration.firstSlot
        let slotsPerDay = Double(CalendarDay.dayMs) / Double(plan.intervalMs)
        outageChance = integration.outagesPerDay / slotsPerDay
        // About one integration in thirty has its token revoked in a fortnight.
        revokedChance = 0.0025 * plan.outageRate / slotsPerDay
        transientErrorChance = 0.0001 * plan.outageRate
        warningBurstChance = integration.warningBurstsPerDay / slotsPerDay
        pauseChance = 0.03 / slotsPerDay
    }

    public var isFinished: Bool { slot >= integration.endSlot }

    /// Generates the checks of the slots before `limit`, calling `body` for each.
    public mutating func generate(upTo limit: Int, _ body: (SyntheticCheck) throws -> Void) rethrows {
        let end = min(limit, integration.endSlot)
        while slot < end {
            let current = slot
            slot += 1
            if inMonitoringGap(current) { continue }
            if let check = check(in: current) { try body(check) }
        }
    }

    private mutating func inMonitoringGap(_ slot: Int) -> Bool {
        while gapCursor < monitoringGaps.count, monitoringGaps[gapCursor].upperBound <= slot { gapCursor += 1 }
        return gapCursor < monitoringGaps.count && monitoringGaps[gapCursor].contains(slot)
    }

    private func slots(forMilliseconds milliseconds: Double) -> Int { max(1, Int((milliseconds / Double(intervalMs)).rounded())) }

    private mutating func check(in slot: Int) -> SyntheticCheck? {
        switch episode {
        case .normal:
            return normalCheck(in: slot)
        case let .paused(remaining):
            episode = remaining > 1 ? .paused(remaining: remaining - 1) : .normal
            return nil
        case let .outage(remaining, kind, message):
            episode = remaining > 1 ? .outage(remaining: remaining - 1, kind: kind, message: message) : .normal
            // Provider outages flap now and then.
            if kind == .serverError, random.chance(0.04) { return make(slot, .healthy, healthyLatency(), nil) }
            return make(slot, .error, errorLatency(kind), message)
        case let .warnings(remaining, message, slowdown):
            episode = remaining > 1 ? .warnings(remaining: remaining - 1, message: message, slowdown: slowdown) : .normal
            if random.chance(0.2) { return make(slot, .healthy, healthyLatency(), nil) }
            return make(slot, .warning, latency(median: integration.medianLatencyMs * slowdown, sigma: 0.5), message)
        }
    }

    private mutating func normalCheck(in slot: Int) -> SyntheticCheck? {
        if let long = integration.longOutage, long.lowerBound == slot {
            return startOutage(slot, random.chance(0.5) ? .serverError : .timeout, length: long.count)
        }
        var draw = random.unit()
        if draw < outageChance {
            let kind = random.pick(weighted: [(OutageKind.timeout, 0.25), (.serverError, 0.35), (.authFailure, 0.2), (.rateLimited, 0.2)])
            let length = slots(forMilliseconds: min(18 * 3_600_000, random.logNormal(median: 25 * 60_000, sigma: 1.1)))
            return startOutage(slot, kind, length: length)
        }
        draw -= outageChance
        if draw < revokedChance {
            let length = slots(forMilliseconds: random.between(6.0, 72.0) * 3_600_000)
            return startOutage(slot, .revoked, length: length)
        }
        draw -= revokedChance
        if draw < warningBurstChance {
            let length = slots(forMilliseconds: min(4 * 3_600_000, random.logNormal(median: 20 * 60_000, sigma: 0.8)))
            let message = SeedMessages.warning(integration, &random)
            episode = .warnings(remaining: length, message: message, slowdown: random.between(3.0, 12.0))
            return check(in: slot)
        }
        draw -= warningBurstChance
        if draw < pauseChance {
            episode = .paused(remaining: slots(forMilliseconds: random.between(0.5, 6.0) * 3_600_000))
            return check(in: slot)
        }
        draw -= pauseChance
        if draw < transientErrorChance {
            let kind = SeedMessages.transientKind(&random)
            return make(slot, .error, errorLatency(kind), SeedMessages.outage(kind, integration, &random))
        }
        draw -= transientErrorChance
        if draw < Self.transientWarningChance {
            let message = SeedMessages.warning(integration, &random)
            return make(slot, .warning, latency(median: integration.medianLatencyMs * 4, sigma: 0.6), message)
        }
        draw -= Self.transientWarningChance
        if draw < Self.unknownChance {
            return make(slot, .unknown, healthyLatency(), SeedMessages.unknown(&random))
        }
        return make(slot, .healthy, healthyLatency(), nil)
    }

    private mutating func startOutage(_ slot: Int, _ kind: OutageKind, length: Int) -> SyntheticCheck? {
        episode = .outage(remaining: length, kind: kind, message: SeedMessages.outage(kind, integration, &random))
        return check(in: slot)
    }

    private mutating func make(_ slot: Int, _ status: HealthStatus, _ responseTimeMs: Int?, _ message: SeedMessage?) -> SyntheticCheck {
        let checkedAt = fromMs + Int64(slot) * intervalMs + integration.phaseMs + Int64(random.below(maxJitterMs))
        return SyntheticCheck(
            integrationIndex: integration.index, slot: slot, checkedAtMs: checkedAt, status: status,
            responseTimeMs: responseTimeMs, message: message, idEntropy: random.next())
    }

    private mutating func latency(median: Double, sigma: Double) -> Int {
        Int(min(120_000, max(3, random.logNormal(median: median, sigma: sigma))))
    }

    /// Long-tailed: mostly near the integration's median, now and then ten to sixty times slower.
    private mutating func healthyLatency() -> Int {
        let value = latency(median: integration.medianLatencyMs, sigma: 0.45)
        return random.chance(0.003) ? min(120_000, value * random.between(10, 60)) : value
    }

    private mutating func errorLatency(_ kind: OutageKind) -> Int? {
        let median = integration.medianLatencyMs
        switch kind {
        case .timeout:
            return random.chance(0.85) ? nil : random.between(29_900, 30_100)
        case .serverError:
            return random.chance(0.1) ? nil : latency(median: median * 1.5, sigma: 0.8)
        case .authFailure, .revoked:
            return latency(median: median * 0.6, sigma: 0.4)
        case .rateLimited:
            return latency(median: median * 0.3, sigma: 0.4)
        }
    }
}
