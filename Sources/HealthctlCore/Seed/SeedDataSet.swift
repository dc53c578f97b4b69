/// The whole data set of a plan, generated without a database: a pure function of the plan.
public struct SeedDataSet: Sendable {
    public let plan: SeedPlan
    public let integrations: [SyntheticIntegration]
    public let monitoringGaps: [Range<Int>]

    public init(plan: SeedPlan) {
        self.plan = plan
        integrations = (0..<plan.integrations).map { SyntheticIntegration(plan: plan, index: $0) }
        monitoringGaps = plan.monitoringGaps
    }

    /// Slots per chunk of `forEachCheck`: about an hour.
    var chunkSlots: Int { max(1, Int(3_600_000 / plan.intervalMs)) }

    /// The checks of the integrations in `range`, time first (an hour of every integration, then
    /// the next hour), the order the application writes them in. `afterChunk` runs after each hour.
    public func forEachCheck(
        integrations range: Range<Int>,
        afterChunk: () throws -> Void,
        _ body: (SyntheticCheck) throws -> Void
    ) rethrows {
        var streams = integrations[range].map { CheckStream(plan: plan, integration: $0, monitoringGaps: monitoringGaps) }
        var chunkEnd = 0
        while chunkEnd < plan.slotCount {
            chunkEnd = min(plan.slotCount, chunkEnd + chunkSlots)
            for position in streams.indices {
                try streams[position].generate(upTo: chunkEnd, body)
            }
            try afterChunk()
        }
    }

    /// Every check of every integration, in `forEachCheck` order.
    public func allChecks() -> [SyntheticCheck] {
        var checks: [SyntheticCheck] = []
        forEachCheck(integrations: 0..<integrations.count, afterChunk: {}) { checks.append($0) }
        return checks
    }
}
