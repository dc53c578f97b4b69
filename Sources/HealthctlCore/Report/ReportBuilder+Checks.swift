import Synchronization

extension ReportBuilder {
    /// A report straight from checks held in memory: each integration's series is cut into UTC
    /// day pieces and merged, exactly as the database reader does day by day.
    ///
    /// A series may hold checks before the window (they settle what carries in); `carryIn`, when
    /// given, is a check before all of them, holding with its own max gap (`settings.maxGap` when
    /// fixed, else the minimum automatic gap unless the carry-in says otherwise).
    public static func build(
        inputs: [IntegrationInput], messages: MessageTable, window: ReportWindow, settings: ReportSettings, nowMs: Int64,
        bucketing: ReportBucketing? = nil
    ) -> Report {
        let redacted = RedactedMessages(messages)
        var builder = ReportBuilder(integrations: inputs.map(\.info), window: window, settings: settings, bucketing: bucketing)
        let windowDays = days(of: window)
        let firstWindowDay = windowDays[0].day
        var before: [CalendarDay: [Int: DayPiece]] = [:]
        var inWindow: [[DayPiece?]] = Array(repeating: Array(repeating: nil, count: inputs.count), count: windowDays.count)
        for (position, input) in inputs.enumerated() {
            if let carry = input.carryIn {
                let gap: Int64
                switch settings.maxGap {
                case let .fixed(ms): gap = ms
                case .auto: gap = carry.maxGapMs ?? ReportSettings.minimumAutoGapMs
                }
                builder.carryIn(
                    position: position, check: TimelineCheck(timeMs: carry.timeMs, status: carry.status, error: carry.errorMessage.map(Redactor.redact)),
                    gapMs: gap)
            }
            for (day, series) in input.series.splitByDay() where day.startMs < window.untilMs {
                if day.startMs < firstWindowDay.startMs {
                    before[day, default: [:]][position] = DayPiece(
                        day: day, series: series, counted: day.startMs..<day.startMs, maxGap: settings.maxGap, messageText: redacted.text(ofRaw:))
                } else {
                    let index = Int((day.startMs - firstWindowDay.startMs) / CalendarDay.dayMs)
                    inWindow[index][position] = DayPiece(
                        day: day, series: series, counted: windowDays[index].range, maxGap: settings.maxGap, messageText: redacted.text(ofRaw:))
                }
            }
        }
        for day in before.keys.sorted(by: { $0.startMs < $1.startMs }) { builder.addBeforeWindow(before[day] ?? [:]) }
        for (index, entry) in windowDays.enumerated() { builder.add(ReportDay(date: entry.day, source: .raw), pieces: inWindow[index]) }
        return builder.finish(nowMs: nowMs)
    }
}

/// Raw messages redacted once each.
struct RedactedMessages: Sendable {
    private let texts: [String]

    /// `cache` keeps the redactions of earlier days: the same messages recur day after day.
    init(_ table: MessageTable, cache: RedactionCache = RedactionCache()) {
        let raw = table.messages
        texts = parallelMap(raw.count) { cache.redact(raw[$0]) }
    }

    func text(ofRaw index: Int32) -> String { texts[Int(index)] }
}

/// Redactions shared by the days of one report (`Redactor.redact` is the costly part of reading
/// a day of failing checks). Bounded: past `limit` messages it stops remembering new ones.
final class RedactionCache: Sendable {
    static let limit = 200_000
    private let known = Mutex<[String: String]>([:])

    func redact(_ raw: String) -> String {
        if let redacted = known.withLock({ $0[raw] }) { return redacted }
        let redacted = Redactor.redact(raw)
        known.withLock { if $0.count < Self.limit { $0[raw] = redacted } }
        return redacted
    }
}
