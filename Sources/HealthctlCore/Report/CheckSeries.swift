/// The checks of one integration, as compact parallel arrays sorted by time (13 bytes a check).
///
/// A report holds checks only a day at a time, while it turns them into day pieces. Error
/// messages are sparse (only failing checks carry one) and kept apart, raw: they are redacted
/// when a piece is built.
public struct CheckSeries: Sendable, Equatable {
    /// `checkedAt`, milliseconds since the epoch, ascending.
    public internal(set) var times: [Int64] = []
    public internal(set) var statuses: [HealthStatus] = []
    /// `responseTime` in milliseconds; `CheckSeries.noResponseTime` for NULL.
    public internal(set) var responseTimes: [Int32] = []
    /// Checks that carry an error message, by time, ascending; `message` indexes a message table.
    public internal(set) var messages: [(timeMs: Int64, message: Int32)] = []

    /// Stands for a NULL `responseTime`.
    public static let noResponseTime = Int32.min

    public init() {}

    public var count: Int { times.count }

    mutating func append(timeMs: Int64, status: HealthStatus, responseTime: Int32, message: Int32?) {
        times.append(timeMs)
        statuses.append(status)
        responseTimes.append(responseTime)
        if let message { messages.append((timeMs, message)) }
    }

    /// Sorts by time when rows arrived out of order; checks at the same millisecond are ordered
    /// by severity, so the worst of them holds, whatever order they were read in. Rows usually
    /// come in physical order, which is time order, so this is normally a single pass.
    mutating func sortByTime() {
        if !isInCheckOrder() {
            let order = times.indices.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : statuses[$0] < statuses[$1] }
            times = order.map { times[$0] }
            statuses = order.map { statuses[$0] }
            responseTimes = order.map { responseTimes[$0] }
        }
        if !isSorted(messages.map(\.timeMs)) {
            messages = messages.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }.map(\.element)
        }
    }

    /// The series cut into UTC days, in time order.
    func splitByDay() -> [(day: CalendarDay, series: CheckSeries)] {
        var result: [(CalendarDay, CheckSeries)] = []
        var lower = 0
        var messageLower = 0
        while lower < times.count {
            let day = CalendarDay(containing: times[lower])
            let end = day.startMs + CalendarDay.dayMs
            let upper = times.partitioningIndex { $0 >= end }
            let messageUpper = messages.partitioningIndex { $0.timeMs >= end }
            var part = CheckSeries()
            part.times = Array(times[lower..<upper])
            part.statuses = Array(statuses[lower..<upper])
            part.responseTimes = Array(responseTimes[lower..<upper])
            part.messages = Array(messages[messageLower..<messageUpper])
            result.append((day, part))
            lower = upper
            messageLower = messageUpper
        }
        return result
    }

    private func isInCheckOrder() -> Bool {
        var index = 1
        while index < times.count {
            if times[index] < times[index - 1] || (times[index] == times[index - 1] && statuses[index] < statuses[index - 1]) { return false }
            index += 1
        }
        return true
    }

    private func isSorted(_ values: [Int64]) -> Bool {
        var index = 1
        while index < values.count {
            if values[index] < values[index - 1] { return false }
            index += 1
        }
        return true
    }

    public static func == (lhs: CheckSeries, rhs: CheckSeries) -> Bool {
        lhs.times == rhs.times && lhs.statuses == rhs.statuses && lhs.responseTimes == rhs.responseTimes
            && lhs.messages.elementsEqual(rhs.messages, by: { $0.timeMs == $1.timeMs && $0.message == $1.message })
    }
}

/// The last check before the window: its status carries into the window.
public struct CarryIn: Sendable, Equatable {
    public var timeMs: Int64
    public var status: HealthStatus
    /// Raw message; redacted before use.
    public var errorMessage: String?

    /// The max gap of the carry-in's own day, when known.
    public var maxGapMs: Int64?

    public init(timeMs: Int64, status: HealthStatus, errorMessage: String? = nil, maxGapMs: Int64? = nil) {
        self.timeMs = timeMs
        self.status = status
        self.errorMessage = errorMessage
        self.maxGapMs = maxGapMs
    }
}

/// Everything the report math needs about one integration, as plain values.
public struct IntegrationInput: Sendable {
    public var info: IntegrationInfo
    public var series: CheckSeries
    public var carryIn: CarryIn?

    public init(info: IntegrationInfo, series: CheckSeries = CheckSeries(), carryIn: CarryIn? = nil) {
        self.info = info
        self.series = series
        self.carryIn = carryIn
    }
}

/// One check, for building a series by hand (tests, small inputs).
public struct Check: Sendable, Equatable {
    public var timeMs: Int64
    public var status: HealthStatus
    public var responseTimeMs: Int?
    public var errorMessage: String?

    public init(_ timeMs: Int64, _ status: HealthStatus, responseTimeMs: Int? = nil, errorMessage: String? = nil) {
        self.timeMs = timeMs
        self.status = status
        self.responseTimeMs = responseTimeMs
        self.errorMessage = errorMessage
    }
}

/// Raw error messages, stored once each and referred to by index.
public struct MessageTable: Sendable {
    public private(set) var messages: [String] = []
    private var indexByMessage: [String: Int32] = [:]

    public init() {}

    public mutating func intern(_ message: String) -> Int32 {
        if let index = indexByMessage[message] { return index }
        let index = Int32(messages.count)
        messages.append(message)
        indexByMessage[message] = index
        return index
    }

    public var count: Int { messages.count }
}

extension CheckSeries {
    /// Builds a sorted series from hand-written checks, interning their messages into `table`.
    public init(_ checks: [Check], messages table: inout MessageTable) {
        self.init()
        for check in checks.sorted(by: { $0.timeMs < $1.timeMs }) {
            let responseTime = check.responseTimeMs.map { Int32(clamping: $0) } ?? Self.noResponseTime
            append(timeMs: check.timeMs, status: check.status, responseTime: responseTime, message: check.errorMessage.map { table.intern($0) })
        }
    }
}
