/// One generated `"Integration"` row, plus how its health behaves over the seeded window.
public struct SyntheticIntegration: Sendable {
    public var index: Int
    public var userIndex: Int
    public var provider: String
    public var accessToken: String
    public var refreshToken: String?
    public var tokenExpiryMs: Int64
    public var configJSON: String
    public var isActive: Bool
    public var createdAtMs: Int64
    public var updatedAtMs: Int64
    var id: SeedIdentifier
    var user: SeedIdentifier

    var providerDetails: SeedProvider
    /// Checks happen in slots `firstSlot..<endSlot`: from creation (or the window start) until
    /// deactivation (or the window end).
    var firstSlot: Int
    var endSlot: Int
    /// Offset of this integration's checks inside each slot: schedulers spread their work.
    var phaseMs: Int64
    var medianLatencyMs: Double
    var outagesPerDay: Double
    var warningBurstsPerDay: Double
    /// The slots of a long outage (hours), for one integration in twenty.
    var longOutage: Range<Int>?

    public func id(_ type: HealthSchema.IdentifierType) -> String { id.text(type) }
    public func userId(_ type: HealthSchema.IdentifierType) -> String { user.text(type) }

    /// Integration `index` of the plan; a pure function of the plan's seed, window and index.
    public init(plan: SeedPlan, index: Int) {
        var random = plan.random(.integration, index)
        self.index = index
        providerDetails = random.pick(weighted: SeedProvider.weighted)
        provider = providerDetails.name
        let span = plan.untilMs - plan.fromMs

        // Most integrations predate the window; some are connected during it.
        if random.chance(0.12) {
            createdAtMs = plan.fromMs + Int64(Double(span) * random.between(0.02, 0.8))
        } else {
            createdAtMs = plan.fromMs - Int64(random.between(1.0, 400.0) * Double(CalendarDay.dayMs))
        }
        isActive = !random.chance(0.04)
        let lifetime = providerDetails.accessTokenLifetimeMs
        let windowStart = max(createdAtMs, plan.fromMs)
        if isActive {
            // The last token refresh; a fifth of them are stale, so their token has expired.
            let sinceRefresh = random.chance(0.8)
                ? Int64(random.unit() * Double(lifetime)) : lifetime + Int64(random.between(0.0, 20.0) * Double(CalendarDay.dayMs))
            updatedAtMs = max(createdAtMs, plan.untilMs - 1 - sinceRefresh)
        } else {
            let deactivation = windowStart + Int64(Double(plan.untilMs - windowStart) * random.between(0.2, 0.95))
            updatedAtMs = deactivation
        }
        tokenExpiryMs = updatedAtMs + lifetime
        accessToken = providerDetails.accessToken(&random)
        refreshToken = random.chance(providerDetails.refreshTokenShare) ? providerDetails.refreshToken(&random) : nil

        let scopeCount = random.between(1, providerDetails.scopes.count)
        let scopes = providerDetails.scopes.prefix(scopeCount).map { "\"\($0)\"" }.joined(separator: ",")
        let syncMinutes = random.pick([5, 15, 30, 60])
        let webhooks = random.chance(0.6)
        configJSON = "{\"scopes\":[\(scopes)],\"syncIntervalMinutes\":\(syncMinutes),\"webhooks\":\(webhooks),\"workspace\":\"workspace-\(random.below(500))\"}"

        let users = max(1, (plan.integrations + 2) / 3)
        userIndex = random.below(users)
        var userRandom = plan.random(.user, userIndex)
        let userCreated = plan.fromMs - Int64(userRandom.between(30.0, 900.0) * Double(CalendarDay.dayMs))
        user = SeedIdentifier(timeMs: userCreated, counter: userIndex, entropy: userRandom.next(), sequence: Int64(userIndex + 1))
        id = SeedIdentifier(timeMs: createdAtMs, counter: index, entropy: random.next(), sequence: Int64(index + 1))

        let interval = plan.intervalMs
        firstSlot = createdAtMs <= plan.fromMs ? 0 : Int((createdAtMs - plan.fromMs + interval - 1) / interval)
        endSlot = isActive ? plan.slotCount : min(plan.slotCount, Int((updatedAtMs - plan.fromMs) / interval))
        phaseMs = Int64(random.below(Int(max(1, interval - plan.maxJitterMs))))
        medianLatencyMs = providerDetails.medianLatencyMs * random.logNormal(median: 1, sigma: 0.3)
        // Most integrations fail a few times a quarter; one in twenty-five is flaky (every day or few).
        outagesPerDay = (random.chance(0.04) ? random.between(0.3, 1.0) : random.between(0.003, 0.025)) * plan.outageRate
        warningBurstsPerDay = random.between(0.2, 1.2)
        // One in twenty has one long outage, 3 to 20 hours, somewhere in its window.
        if plan.outageRate > 0, random.chance(min(1, 0.05 * plan.outageRate)), endSlot > firstSlot {
            let length = max(1, Int(random.between(3.0, 20.0) * 3_600_000 / Double(interval)))
            let start = firstSlot + random.below(max(1, endSlot - firstSlot))
            longOutage = start..<min(endSlot, start + length)
        }
    }
}
