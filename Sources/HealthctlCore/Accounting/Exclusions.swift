/// The time one integration's numbers leave out: maintenance windows that apply to it (when
/// honored) and the time outside service hours (with `--service-hours`).
struct Exclusions: Sendable, Equatable {
    /// Everything left out.
    var all: IntervalSet
    /// The part outside service hours; the rest of `all` is maintenance.
    var outsideService: IntervalSet

    static let none = Exclusions(all: .empty, outsideService: .empty)

    var isEmpty: Bool { all.isEmpty }
}

/// The exclusions of a report over one time range, worked out once per distinct set of
/// maintenance windows that apply (most integrations share one).
struct ExclusionPlan: Sendable {
    let range: Range<Int64>
    private let outsideService: IntervalSet
    /// Each honored window's occurrences overlapping the range, clipped to it.
    private let occurrences: [IntervalSet]
    private let windows: [MaintenanceWindow]

    init(settings: ReportSettings, range: Range<Int64>) {
        self.range = range
        outsideService = settings.serviceHours.map { $0.serviceTime(in: range).complement(in: range) } ?? .empty
        windows = settings.maintenanceMode == .honor ? settings.maintenance : []
        occurrences = windows.map { IntervalSet($0.occurrences(overlapping: range)).clipped(to: range) }
    }

    /// The exclusions of each integration, in order.
    func exclusions(for integrations: [IntegrationInfo]) -> [Exclusions] {
        var byWindows: [[Bool]: Exclusions] = [:]
        return integrations.map { info in
            let applying = windows.map { $0.applies(to: info) }
            if let known = byWindows[applying] { return known }
            var all = outsideService
            for (index, applies) in applying.enumerated() where applies { all = all.union(occurrences[index]) }
            let made = Exclusions(all: all, outsideService: outsideService)
            byWindows[applying] = made
            return made
        }
    }
}
