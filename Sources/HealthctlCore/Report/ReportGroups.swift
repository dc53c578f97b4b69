/// What a built report becomes on request: compared with the window before (`--compare
/// previous`), summarised per group (`--group-by`), split into one report per customer
/// (`--split-by user`). Summaries merge the integrations' sums and latency histograms, so a
/// group's percentiles are exact.
extension Report {
    /// Attaches the numbers of `previous`, a report of the window before with the same settings.
    public mutating func compare(with previous: Report) {
        var byId: [String: IntegrationReport] = [:]
        for var item in previous.integrations {
            item.daily = []
            item.periods = []
            byId[item.info.id] = item
        }
        self.previous = PreviousPeriod(window: previous.window, fleet: previous.fleet, integrations: byId)
        for index in integrations.indices {
            let id = integrations[index].info.id
            integrations[index].previous = byId[id].map { PreviousStats(stats: $0.stats, slo: $0.slo) }
        }
        if let grouping { group(by: grouping) }
    }

    /// Adds a summary per provider or customer, by key (integrations without one last).
    public mutating func group(by grouping: ReportGrouping) {
        self.grouping = grouping
        let members = Dictionary(grouping: integrations, by: { grouping.key(of: $0.info) })
        groups = members.keys.sorted(by: Self.keyOrder).map { key in
            let items = members[key] ?? []
            return ReportGroup(key: key, summary: summary(of: items), previous: previousSummary(of: items))
        }
    }

    /// One report per customer, by user id, each with its own fleet summary, groups,
    /// maintenance windows and previous numbers.
    public func split(by grouping: ReportGrouping) -> [Report] {
        let members = Dictionary(grouping: integrations, by: { grouping.key(of: $0.info) })
        return members.keys.sorted(by: Self.keyOrder).map { key in
            let items = members[key] ?? []
            var part = self
            part.user = key ?? ""
            part.integrations = items
            part.fleet = summary(of: items)
            // The windows' occurrences are the report's; only whom they apply to changes.
            part.maintenance = maintenance.compactMap { applied in
                var mine = applied
                mine.integrations = items.reduce(0) { $0 + (applied.window.applies(to: $1.info) ? 1 : 0) }
                return mine.integrations > 0 ? mine : nil
            }
            if let previous {
                let ids = Set(items.map(\.info.id))
                part.previous = PreviousPeriod(
                    window: previous.window, fleet: previousSummary(of: items) ?? previous.fleet,
                    integrations: previous.integrations.filter { ids.contains($0.key) })
            }
            if let grouping = self.grouping { part.group(by: grouping) }
            return part
        }
    }

    private func summary(of items: [IntegrationReport]) -> FleetSummary {
        ReportBuilder.summary(of: items, window: window, warningAs: settings.warningAs)
    }

    private func previousSummary(of items: [IntegrationReport]) -> FleetSummary? {
        guard let previous else { return nil }
        let before = items.compactMap { previous.integrations[$0.info.id] }
        return ReportBuilder.summary(of: before, window: previous.window, warningAs: settings.warningAs)
    }

    private static func keyOrder(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case let (left?, right?): return left < right
        case (_?, nil): return true
        default: return false
        }
    }
}
