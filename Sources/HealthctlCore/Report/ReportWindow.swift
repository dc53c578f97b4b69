import PostgresClient

/// The half-open time range `[since, until)` a report covers, in milliseconds since the epoch (UTC).
public struct ReportWindow: Sendable, Equatable {
    public var sinceMs: Int64
    public var untilMs: Int64
    /// Names the report and its file: `2026-W47`, `2026-11`, `2026-11-28`, `last-7d`, or
    /// `20261101T000000Z..20261108T000000Z` for an explicit range (no run of 32 name characters, which log redaction would hide).
    public var label: String
    /// The end asked for, when it lay in the future and the window was cut at now.
    public var requestedUntilMs: Int64?

    public init(sinceMs: Int64, untilMs: Int64, label: String, requestedUntilMs: Int64? = nil) {
        self.sinceMs = sinceMs
        self.untilMs = untilMs
        self.label = label
        self.requestedUntilMs = requestedUntilMs
    }

    public var lengthMs: Int64 { untilMs - sinceMs }
    public var isCutAtNow: Bool { requestedUntilMs != nil }

    public static let defaultPeriod = "last-7d"

    /// The window to compare with (`--compare previous`): for a whole calendar period (a day,
    /// ISO week, month, quarter or year) the period before it; otherwise the window of the same
    /// length just before this one.
    public var previous: ReportWindow {
        if requestedUntilMs == nil, let before = ReportPeriod.calendarPeriod(before: label), before.untilMs == sinceMs {
            return before
        }
        let since = sinceMs - lengthMs
        return ReportWindow(sinceMs: since, untilMs: sinceMs, label: "\(Self.compact(since))..\(Self.compact(sinceMs))")
    }

    /// Resolves `--period` or `--since`/`--until` (not both) against `nowMs`. A window that ends
    /// after now is cut at now and remembers the end that was asked for.
    public static func resolve(period: String?, since: String?, until: String?, nowMs: Int64) throws(ReportWindowError) -> ReportWindow {
        var window: ReportWindow
        if let period {
            guard since == nil, until == nil else { throw .periodWithRange }
            window = try ReportPeriod.window(for: period, nowMs: nowMs)
        } else if since != nil || until != nil {
            let untilMs = try until.map { (text) throws(ReportWindowError) in try parseTime(text, flag: "--until") } ?? nowMs
            let sinceMs = try since.map { (text) throws(ReportWindowError) in try parseTime(text, flag: "--since") }
                ?? untilMs - 7 * CalendarDay.dayMs
            guard sinceMs < untilMs else {
                throw .emptyRange(since: ISOTime.format(epochMilliseconds: sinceMs), until: ISOTime.format(epochMilliseconds: untilMs))
            }
            window = ReportWindow(sinceMs: sinceMs, untilMs: untilMs, label: "\(compact(sinceMs))..\(compact(untilMs))")
        } else {
            window = try ReportPeriod.window(for: defaultPeriod, nowMs: nowMs)
        }
        if window.untilMs > nowMs {
            guard window.sinceMs < nowMs else {
                throw .startsInFuture(since: ISOTime.format(epochMilliseconds: window.sinceMs))
            }
            window.requestedUntilMs = window.untilMs
            window.untilMs = nowMs
        }
        return window
    }

    private static func parseTime(_ text: String, flag: String) throws(ReportWindowError) -> Int64 {
        guard let value = ISOTime.parseEpochMilliseconds(text) else { throw .badTime(flag: flag, value: text) }
        return value
    }

    /// `20261101T000000Z`: ISO 8601 basic format, safe in file names.
    static func compact(_ ms: Int64) -> String {
        let text = ISOTime.format(epochMilliseconds: ms - ms % 1000)
        return text.filter { $0 != "-" && $0 != ":" }
    }
}

/// Named periods for `--period`.
public enum ReportPeriod {
    public static let names = [
        "last-24h", "last-7d", "last-30d", "last-90d", "last-365d", "today", "yesterday", "this-week", "last-week",
        "this-month", "last-month", "this-quarter", "last-quarter", "this-year", "last-year", "YYYY-Www", "YYYY-MM",
        "YYYY-MM-DD", "YYYY-Qn", "YYYY",
    ]

    /// The window of a named period. Calendar periods are labelled with what they resolve to
    /// (`last-week` on 2026-11-29 is `2026-W47`), so a nightly job's files never overwrite each other.
    public static func window(for period: String, nowMs: Int64) throws(ReportWindowError) -> ReportWindow {
        func rolling(days: Int64) -> ReportWindow {
            ReportWindow(sinceMs: nowMs - days * CalendarDay.dayMs, untilMs: nowMs, label: period)
        }
        let today = CalendarDay(containing: nowMs)
        switch period {
        case "last-24h": return rolling(days: 1)
        case "last-7d": return rolling(days: 7)
        case "last-30d": return rolling(days: 30)
        case "last-90d": return rolling(days: 90)
        case "last-365d": return rolling(days: 365)
        case "today": return dayWindow(today)
        case "yesterday": return dayWindow(today.adding(days: -1))
        case "this-week": return weekWindow(today.isoWeek)
        case "last-week": return weekWindow(today.adding(days: -7).isoWeek)
        case "this-month": return monthWindow(year: today.year, month: today.month)
        case "last-month":
            return today.month == 1 ? monthWindow(year: today.year - 1, month: 12) : monthWindow(year: today.year, month: today.month - 1)
        case "this-quarter": return quarterWindow(year: today.year, quarter: (today.month - 1) / 3 + 1)
        case "last-quarter":
            let quarter = (today.month - 1) / 3 + 1
            return quarter == 1 ? quarterWindow(year: today.year - 1, quarter: 4) : quarterWindow(year: today.year, quarter: quarter - 1)
        case "this-year": return yearWindow(today.year)
        case "last-year": return yearWindow(today.year - 1)
        default:
            return try parseCalendar(period)
        }
    }

    /// The calendar period before the one labelled `label` (`2026-W47`, `2026-11`, `2026-Q4`,
    /// `2026`, `2026-11-28`); nil for other labels.
    static func calendarPeriod(before label: String) -> ReportWindow? {
        guard let window = try? parseCalendar(label), window.label == label else { return nil }
        let parts = label.split(separator: "-").map(String.init)
        guard let year = Int(parts[0]) else { return nil }
        switch parts.count {
        case 1: return yearWindow(year - 1)
        case 3: return dayWindow(CalendarDay(containing: window.sinceMs - CalendarDay.dayMs))
        default:
            if parts[1].hasPrefix("Q") {
                let quarter = Int(parts[1].dropFirst()) ?? 1
                return quarter == 1 ? quarterWindow(year: year - 1, quarter: 4) : quarterWindow(year: year, quarter: quarter - 1)
            }
            if parts[1].hasPrefix("W") { return weekWindow(CalendarDay(containing: window.sinceMs - CalendarDay.dayMs).isoWeek) }
            let month = Int(parts[1]) ?? 1
            return month == 1 ? monthWindow(year: year - 1, month: 12) : monthWindow(year: year, month: month - 1)
        }
    }

    private static func parseCalendar(_ text: String) throws(ReportWindowError) -> ReportWindow {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        func number(_ part: String, digits: Int) -> Int? {
            part.count == digits && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) ? Int(part) : nil
        }
        guard let year = number(parts[0], digits: 4) else { throw .badPeriod(text) }
        if parts.count == 1 { return yearWindow(year) }
        if parts.count == 2, parts[1].count == 2, parts[1].hasPrefix("Q"), let quarter = number(String(parts[1].dropFirst()), digits: 1) {
            guard (1...4).contains(quarter) else { throw .badPeriod(text) }
            return quarterWindow(year: year, quarter: quarter)
        }
        if parts.count == 2, parts[1].hasPrefix("W"), let week = number(String(parts[1].dropFirst()), digits: 2) {
            guard week >= 1, week <= CalendarDay.isoWeeks(in: year) else { throw .badPeriod(text) }
            return weekWindow(ISOWeek(year: year, week: week))
        }
        guard let month = number(parts[1], digits: 2), (1...12).contains(month) else { throw .badPeriod(text) }
        if parts.count == 2 { return monthWindow(year: year, month: month) }
        guard parts.count == 3, let day = number(parts[2], digits: 2), day >= 1,
            day <= CalendarDay(year: year, month: month, day: 1).daysInMonth
        else { throw .badPeriod(text) }
        return dayWindow(CalendarDay(year: year, month: month, day: day))
    }

    private static func dayWindow(_ day: CalendarDay) -> ReportWindow {
        ReportWindow(sinceMs: day.startMs, untilMs: day.startMs + CalendarDay.dayMs, label: day.text)
    }

    private static func weekWindow(_ week: ISOWeek) -> ReportWindow {
        let monday = week.monday
        return ReportWindow(sinceMs: monday.startMs, untilMs: monday.startMs + 7 * CalendarDay.dayMs, label: week.text)
    }

    /// Quarter n is months 3n-2 to 3n; labelled `2026-Q3`.
    private static func quarterWindow(year: Int, quarter: Int) -> ReportWindow {
        let first = CalendarDay(year: year, month: 3 * quarter - 2, day: 1)
        let next = quarter == 4 ? CalendarDay(year: year + 1, month: 1, day: 1) : CalendarDay(year: year, month: 3 * quarter + 1, day: 1)
        return ReportWindow(sinceMs: first.startMs, untilMs: next.startMs, label: "\(year)-Q\(quarter)")
    }

    private static func yearWindow(_ year: Int) -> ReportWindow {
        ReportWindow(
            sinceMs: CalendarDay(year: year, month: 1, day: 1).startMs, untilMs: CalendarDay(year: year + 1, month: 1, day: 1).startMs,
            label: String(year))
    }

    private static func monthWindow(year: Int, month: Int) -> ReportWindow {
        let first = CalendarDay(year: year, month: month, day: 1)
        let next = month == 12 ? CalendarDay(year: year + 1, month: 1, day: 1) : CalendarDay(year: year, month: month + 1, day: 1)
        return ReportWindow(
            sinceMs: first.startMs, untilMs: next.startMs,
            label: "\(year)-\(month < 10 ? "0" : "")\(month)")
    }
}

public enum ReportWindowError: CategorizedError, Equatable, Sendable {
    case badTime(flag: String, value: String)
    case badPeriod(String)
    case periodWithRange
    case emptyRange(since: String, until: String)
    case startsInFuture(since: String)

    public var category: FailureCategory { .usage }

    public var description: String {
        switch self {
        case let .badTime(flag, value):
            return "\(flag) \"\(value)\" is not an ISO 8601 time (for example 2026-11-28 or 2026-11-28T10:15:00Z)"
        case let .badPeriod(value):
            return "--period \"\(value)\" is not one of \(ReportPeriod.names.joined(separator: ", "))"
        case .periodWithRange:
            return "--period cannot be combined with --since or --until"
        case let .emptyRange(since, until):
            return "--since \(since) is not before --until \(until): the window [since, until) would be empty"
        case let .startsInFuture(since):
            return "the window starts in the future (\(since)): nothing to report yet"
        }
    }
}

/// A UTC calendar day.
public struct CalendarDay: Sendable, Equatable, Hashable, Comparable {
    public static let dayMs = PostgresTimestamp.millisecondsPerDay

    /// Midnight UTC starting the day that holds the instant.
    public static func start(containing ms: Int64) -> Int64 { floorDivMod(ms, dayMs).quotient * dayMs }

    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `2026-11-28`; nil for anything else or a day that does not exist.
    public init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), day >= 1,
            day <= CalendarDay(year: year, month: month, day: 1).daysInMonth
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.startMs < rhs.startMs }

    public init(containing ms: Int64) {
        let (year, month, day) = PostgresTimestamp.civilFromDays(floorDivMod(ms, Self.dayMs).quotient)
        self.init(year: Int(year), month: Int(month), day: Int(day))
    }

    /// Midnight UTC starting the day.
    public var startMs: Int64 {
        PostgresTimestamp.daysFromCivil(Int64(year), Int64(month), Int64(day)) * Self.dayMs
    }

    /// `2026-11-28`.
    public var text: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `2026-11`: the calendar month holding the day.
    public var monthText: String { String(text.prefix(7)) }

    public func adding(days: Int) -> CalendarDay { CalendarDay(containing: startMs + Int64(days) * Self.dayMs) }

    /// 1 for Monday ... 7 for Sunday. 1970-01-01 was a Thursday.
    public var isoWeekday: Int {
        let days = Int(startMs / Self.dayMs)
        return ((days + 3) % 7 + 7) % 7 + 1
    }

    public var daysInMonth: Int {
        let next = month == 12 ? CalendarDay(year: year + 1, month: 1, day: 1) : CalendarDay(year: year, month: month + 1, day: 1)
        return Int((next.startMs - CalendarDay(year: year, month: month, day: 1).startMs) / Self.dayMs)
    }

    /// The ISO week holding the day: the week belongs to the year of its Thursday.
    public var isoWeek: ISOWeek {
        let thursday = adding(days: 4 - isoWeekday)
        let weekOne = ISOWeek(year: thursday.year, week: 1).monday
        return ISOWeek(year: thursday.year, week: Int((thursday.startMs - weekOne.startMs) / Self.dayMs) / 7 + 1)
    }

    /// 52 or 53: a year has 53 ISO weeks when December 28 falls in week 53.
    public static func isoWeeks(in year: Int) -> Int { CalendarDay(year: year, month: 12, day: 28).isoWeek.week }
}

/// Calendar periods that group a window's days (CSV `--by week|month`).
public enum ReportBucketing: Sendable, Equatable {
    case week, month

    /// `2026-W47` or `2026-11`: the period holding the day.
    func label(of day: CalendarDay) -> String {
        switch self {
        case .week: return day.isoWeek.text
        case .month: return day.monthText
        }
    }
}

/// An ISO 8601 week: Monday 00:00 UTC to the next Monday.
public struct ISOWeek: Sendable, Equatable {
    public var year: Int
    public var week: Int

    public init(year: Int, week: Int) {
        self.year = year
        self.week = week
    }

    /// January 4 is always in week 1.
    public var monday: CalendarDay {
        let january4 = CalendarDay(year: year, month: 1, day: 4)
        return january4.adding(days: 1 - january4.isoWeekday + (week - 1) * 7)
    }

    /// `2026-W47`.
    public var text: String { "\(year)-W\(week < 10 ? "0" : "")\(week)" }
}
