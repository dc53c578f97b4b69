import Foundation

/// The choices that change a report's numbers; echoed in its `settings`.
public struct ReportSettings: Sendable, Equatable {
    public enum MaxGap: Sendable, Equatable {
        /// Per integration and UTC day: twice the median interval between the day's consecutive
        /// checks; on a day with one check, twice the interval since the check before. Within
        /// `autoGapBounds`.
        case auto
        case fixed(milliseconds: Int64)
    }

    public enum WarningAs: String, Sendable, CaseIterable { case up, down }
    /// `--maintenance`: leave maintenance windows out of the numbers, or count them as any time.
    public enum MaintenanceMode: String, Sendable, CaseIterable { case honor, ignore }
    public enum LatencyOf: String, Sendable, CaseIterable { case all, healthy }

    public var slo: SLOTarget
    /// Targets for one provider's integrations, overriding `slo`.
    public var sloByProvider: [String: SLOTarget] = [:]
    /// Targets for single integrations, overriding `slo` and `sloByProvider`.
    public var sloByIntegration: [String: SLOTarget] = [:]
    public var maxGap: MaxGap
    public var warningAs: WarningAs
    public var latencyOf: LatencyOf
    public var staleAfterMs: Int64
    /// Declared maintenance windows (`[[maintenance]]`), applied when `maintenanceMode` is honor.
    public var maintenance: [MaintenanceWindow] = []
    public var maintenanceMode = MaintenanceMode.honor
    /// The service hours counted (`--service-hours`); nil: every hour (24x7).
    public var serviceHours: ServiceHours?
    /// Down runs shorter than this count as up and are not incidents (`--min-incident`).
    public var minIncidentMs: Int64 = 0
    /// A token expiring within this of the generation time is `expiring` (`--token-warning`).
    public var tokenWarningMs: Int64 = 7 * CalendarDay.dayMs

    public static let minimumAutoGapMs: Int64 = 60_000
    /// A check never holds longer than this under `auto`, so a report looks back at most this far
    /// for the check that carries into its window.
    public static let maximumAutoGapMs: Int64 = 7 * 86_400_000

    static func clampAutoGap(_ ms: Int64) -> Int64 { min(max(ms, minimumAutoGapMs), maximumAutoGapMs) }

    /// How far before a day a check can still hold into it.
    var lookbackMs: Int64 {
        switch maxGap {
        case .auto: return Self.maximumAutoGapMs
        case let .fixed(ms): return ms
        }
    }
    public static let percentileMethod = "nearest-rank (PostgreSQL percentile_disc)"

    /// Each choice left out is the built-in setting (`Settings.Report`).
    public init(
        slo: SLOTarget = Settings.Report.builtIn.slo.value, maxGap: MaxGap = Settings.Report.builtIn.maxGap.value,
        warningAs: WarningAs = Settings.Report.builtIn.warningAs.value, latencyOf: LatencyOf = Settings.Report.builtIn.latencyOf.value,
        staleAfterMs: Int64 = Settings.Report.builtIn.staleAfter.value.milliseconds
    ) {
        self.slo = slo
        self.maxGap = maxGap
        self.warningAs = warningAs
        self.latencyOf = latencyOf
        self.staleAfterMs = staleAfterMs
    }

    /// The target that applies to one integration: its own, else its provider's, else `slo`.
    public func sloTarget(for info: IntegrationInfo) -> SLOTarget {
        sloByIntegration[info.id] ?? info.provider.flatMap { sloByProvider[$0] } ?? slo
    }

    /// `auto` or the duration as given in milliseconds, for the report's settings.
    public var maxGapText: String { Self.maxGapText(maxGap) }

    static func maxGapText(_ maxGap: MaxGap) -> String {
        switch maxGap {
        case .auto: return "auto"
        case let .fixed(ms): return DurationText.humanize(seconds: Double(ms) / 1000).replacingOccurrences(of: " ", with: "")
        }
    }
}

/// An SLO target kept as an exact fraction (`99.9` is 999/1000), so `met` never depends on
/// floating-point rounding.
public struct SLOTarget: Sendable, Equatable {
    public var numerator: Int64
    public var denominator: Int64

    public static let `default` = SLOTarget(numerator: 999, denominator: 1000)

    init(numerator: Int64, denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parses a percentage such as `99.9`, `99.95%` or `100`: more than 0, at most 100, up to six decimals.
    public init?(percent text: String) {
        var digits = text.trimmingCharacters(in: .whitespaces)
        if digits.hasSuffix("%") { digits.removeLast() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.count == 1 || (1...6).contains(parts[1].count), parts[0].count <= 3
        else { return nil }
        let decimals = parts.count == 2 ? parts[1].count : 0
        var scale: Int64 = 100
        for _ in 0..<decimals { scale *= 10 }
        guard let whole = Int64(parts.joined()), whole > 0, whole <= scale else { return nil }
        numerator = whole
        denominator = scale
    }

    /// The target as a ratio in (0, 1].
    public var ratio: Double { Double(numerator) / Double(denominator) }

    /// `99.9 %`, as it was given (without trailing zeros).
    public var percentText: String { percentNumberText + " %" }

    /// `99.9`, as a flag or the settings file spells it.
    public var percentNumberText: String {
        var text = String(format: "%.6f", Double(numerator) * 100 / Double(denominator))
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// True when up / (up + down) >= the target, compared in integers.
    func isMet(upMs: Int64, downMs: Int64) -> Bool {
        let up = fullWidth(upMs, numerator: denominator)
        let required = fullWidth(upMs + downMs, numerator: numerator)
        return up >= required
    }

    private func fullWidth(_ value: Int64, numerator: Int64) -> (high: Int64, low: UInt64) {
        let product = value.multipliedFullWidth(by: numerator)
        return (product.high, product.low)
    }
}
