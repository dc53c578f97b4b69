/// How fast the error budget burns over the last hours before a window's end, judged with the
/// multiwindow, multi-burn-rate alerts of Google's SRE workbook ("Alerting on SLOs"): an alert
/// fires when both its long and its short window burn faster than its factor.
public struct BurnRate: Sendable, Equatable {
    public var windowMs: Int64
    /// Down / covered time over the window, divided by 1 − target; nil without covered time or
    /// with a 100 % target.
    public var rate: Double?

    /// `5m`, `1h`, `72h`.
    public var label: String { BurnRate.label(windowMs) }

    static func label(_ ms: Int64) -> String { ms < 3_600_000 ? "\(ms / 60_000)m" : "\(ms / 3_600_000)h" }
}

public enum BurnAlert: String, Sendable, Equatable, CaseIterable {
    case page, ticket, none
}

/// One rule of the workbook's table.
public struct BurnRule: Sendable, Equatable {
    public var longMs: Int64
    public var shortMs: Int64
    public var factor: Double
    public var severity: BurnAlert

    /// `1h and 5m above 14.4x`.
    public var text: String {
        "\(BurnRate.label(longMs)) and \(BurnRate.label(shortMs)) above \(JSONValue.number(factor))x"
    }
}

public enum BurnRates {
    private static let minute: Int64 = 60_000
    private static let hour: Int64 = 3_600_000

    /// Page at 14.4x over 1h (and 5m) or 6x over 6h (and 30m); ticket at 3x over 24h (and 2h)
    /// or 1x over 72h (and 6h).
    public static let rules = [
        BurnRule(longMs: hour, shortMs: 5 * minute, factor: 14.4, severity: .page),
        BurnRule(longMs: 6 * hour, shortMs: 30 * minute, factor: 6, severity: .page),
        BurnRule(longMs: 24 * hour, shortMs: 2 * hour, factor: 3, severity: .ticket),
        BurnRule(longMs: 72 * hour, shortMs: 6 * hour, factor: 1, severity: .ticket),
    ]

    /// Every window the rules look at, shortest first.
    public static let windowsMs: [Int64] = Array(Set(rules.flatMap { [$0.longMs, $0.shortMs] })).sorted()

    /// How far before a window's end the burn rates look.
    public static let lookbackMs: Int64 = windowsMs.max() ?? 0

    /// The burn rate of `downMs` in `upMs + downMs` of covered time against `target`, in exact
    /// integer products as far as they go.
    static func rate(upMs: Int64, downMs: Int64, target: SLOTarget) -> Double? {
        let slack = target.denominator - target.numerator
        let covered = upMs + downMs
        guard covered > 0, slack > 0 else { return nil }
        return Double(downMs) * Double(target.denominator) / (Double(slack) * Double(covered))
    }

    /// The most severe rule that fires, if any.
    static func alert(_ rates: [BurnRate]) -> (alert: BurnAlert, rule: BurnRule?) {
        func rate(_ ms: Int64) -> Double? { rates.first { $0.windowMs == ms }?.rate ?? nil }
        for rule in rules {
            if let long = rate(rule.longMs), let short = rate(rule.shortMs), long > rule.factor, short > rule.factor {
                return (rule.severity, rule)
            }
        }
        return (.none, nil)
    }
}
