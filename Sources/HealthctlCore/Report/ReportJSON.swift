import Foundation

/// The JSON rendering of a report (schema version 2, documented in docs/report-json-schema.md).
/// Keys keep the documented order; nulls are written out, never left out.
public enum ReportJSON {
    public static func render(_ report: Report) -> String {
        var out = ""
        write(report, to: TextSink { out += $0 })
        return out
    }

    /// Writes the document to `sink` in pieces of about `TextSink.pieceBytes`, so a long report
    /// (a year of daily numbers for a large fleet) is never held whole.
    public static func write(_ report: Report, to sink: TextSink) {
        var out = ByteOutput()
        document(report).write(to: &out, indent: 0, sink: sink)
        out.append(UInt8(ascii: "\n"))
        out.emit(to: sink)
    }

    static func document(_ report: Report) -> JSONValue {
        let settings = report.settings
        var maxGapSeconds: JSONValue = .null
        if case let .fixed(ms) = settings.maxGap { maxGapSeconds = seconds(ms) }
        var previousWindow = JSONValue.null
        if let previous = report.previous {
            previousWindow = .object([
                ("since", time(previous.window.sinceMs)),
                ("until", time(previous.window.untilMs)),
                ("label", .string(previous.window.label)),
            ])
        }
        let serviceHoursValue: JSONValue = settings.serviceHours.map(Self.serviceHours) ?? .null
        let maintenanceValues: [JSONValue] = report.maintenance.map(Self.maintenance)
        let groupsValue: JSONValue = report.grouping.map { Self.groups($0, report.groups) } ?? .null
        let compared = report.previous != nil
        return .object([
            ("schemaVersion", .int(Report.schemaVersion)),
            ("generatedAt", time(report.generatedAtMs)),
            ("window", .object([
                ("since", time(report.window.sinceMs)),
                ("until", time(report.window.untilMs)),
                ("label", .string(report.window.label)),
                ("lengthSeconds", seconds(report.window.lengthMs)),
                ("cutAtNow", .bool(report.window.isCutAtNow)),
                ("requestedUntil", report.window.requestedUntilMs.map(time) ?? .null),
            ])),
            ("settings", .object([
                ("slo", .number(settings.slo.ratio)),
                ("maxGap", .string(settings.maxGapText)),
                ("maxGapSeconds", maxGapSeconds),
                ("warningAs", .string(settings.warningAs.rawValue)),
                ("latencyOf", .string(settings.latencyOf.rawValue)),
                ("percentileMethod", .string(ReportSettings.percentileMethod)),
                ("staleAfterSeconds", seconds(settings.staleAfterMs)),
                ("maintenance", .string(settings.maintenanceMode.rawValue)),
                ("serviceHours", serviceHoursValue),
                ("minIncidentSeconds", seconds(settings.minIncidentMs)),
                ("tokenWarningSeconds", seconds(settings.tokenWarningMs)),
            ])),
            ("user", report.user.map(JSONValue.string) ?? .null),
            ("notes", .array(report.notes.map(JSONValue.string))),
            ("maintenance", .array(maintenanceValues)),
            ("source", .object([
                ("standby", .bool(report.source.isStandby)),
                ("dataAsOf", report.source.replayedUntilMs.map(time) ?? .null),
                ("days", .array(report.days.map { day in
                    .object([
                        ("date", .string(day.date.text)),
                        ("from", .string(day.source.rawValue)),
                        ("note", day.note.map(JSONValue.string) ?? .null),
                    ])
                })),
            ])),
            ("previousWindow", previousWindow),
            ("fleet", fleet(report.fleet, previous: report.previous?.fleet)),
            ("groups", groupsValue),
            // A year of a large fleet is hundreds of megabytes of JSON: written on all cores.
            ("integrations", .parallelArray(report.integrations.count) { integration(report.integrations[$0], compared: compared) }),
        ])
    }

    private static func groups(_ grouping: ReportGrouping, _ groups: [ReportGroup]) -> JSONValue {
        let items: [JSONValue] = groups.map { group in
            var fields: [(String, JSONValue)] = [("key", group.key.map(JSONValue.string) ?? .null)]
            if case let .object(summary) = fleet(group.summary, previous: group.previous) { fields += summary }
            return JSONValue.object(fields)
        }
        return .object([("by", .string(grouping.rawValue)), ("items", .array(items))])
    }

    private static func token(_ status: TokenStatus) -> JSONValue {
        .object([
            ("state", .string(status.state.rawValue)),
            ("expiresAt", status.facts.expiresAtMs.map(time) ?? .null),
            ("hasRefreshToken", status.facts.hasRefreshToken.map(JSONValue.bool) ?? .null),
            ("hasAccessToken", status.facts.hasAccessToken.map(JSONValue.bool) ?? .null),
            ("needsReconnect", .bool(status.state.needsReconnect)),
            ("evidence", status.evidence.map(JSONValue.string) ?? .null),
        ])
    }

    private static func serviceHours(_ hours: ServiceHours) -> JSONValue {
        .object([
            ("days", .array(hours.days.sorted().map { .string(Weekday.name($0)) })),
            ("from", .string(hours.from.text)),
            ("to", .string(hours.to.text)),
            ("timezone", .string(hours.clock.identifier)),
            ("holidays", .array(hours.holidays.sorted().map { .string($0.text) })),
        ])
    }

    private static func maintenance(_ applied: AppliedMaintenance) -> JSONValue {
        let window = applied.window
        return .object([
            ("reason", .string(window.reason)),
            ("schedule", .string(window.scheduleText)),
            ("providers", .array(window.providers.map(JSONValue.string))),
            ("integrations", .array(window.integrations.map(JSONValue.string))),
            ("appliesTo", .int(applied.integrations)),
            ("occurrences", .array(applied.occurrences.map { range in
                .object([("start", time(range.lowerBound)), ("end", time(range.upperBound)), ("seconds", seconds(range.upperBound - range.lowerBound))])
            })),
        ])
    }

    /// The previous window's numbers beside this one's, and the change (this minus previous).
    private static func comparison(_ now: ComparedNumbers, _ before: ComparedNumbers) -> JSONValue {
        func difference(_ current: Double?, _ previous: Double?) -> JSONValue {
            guard let current, let previous else { return .null }
            return .number(current - previous)
        }
        return .object([
            ("hasData", .bool(before.hasData)),
            ("availability", optional(before.availability)),
            ("downtimeSeconds", seconds(before.downtimeMs)),
            ("incidents", .int(before.incidents)),
            ("p95Ms", before.p95.map(JSONValue.int) ?? .null),
            ("change", .object([
                ("availability", difference(now.availability, before.availability)),
                ("downtimeSeconds", .number(Double(now.downtimeMs - before.downtimeMs) / 1000)),
                ("incidents", .int(now.incidents - before.incidents)),
                ("p95Ms", difference(now.p95.map(Double.init), before.p95.map(Double.init))),
            ])),
        ])
    }

    private static func fleet(_ fleet: FleetSummary, previous: FleetSummary?) -> JSONValue {
        .object([
            ("integrations", .object([
                ("total", .int(fleet.integrations)),
                ("withData", .int(fleet.withData)),
                ("noData", .int(fleet.noData)),
                ("breachingSlo", .int(fleet.breachingSLO)),
                ("paging", .int(fleet.paging)),
                ("ticketing", .int(fleet.ticketing)),
            ])),
            ("tokens", fleet.tokens.map { counts in .object(TokenState.allCases.map { ($0.rawValue, .int(counts[$0] ?? 0)) }) } ?? .null),
            ("checks", checks(fleet.checks)),
            ("availability", availability(fleet.availability)),
            ("latencyMs", latency(fleet.latency)),
            ("incidents", .object([
                ("count", .int(fleet.incidents)),
                ("downtimeSeconds", seconds(fleet.downtimeMs)),
            ])),
            ("worst", .array(fleet.worst.map(JSONValue.string))),
            ("topErrors", errors(fleet.topErrors, withIntegrations: true)),
            ("previous", previous.map { comparison(ComparedNumbers(fleet), ComparedNumbers($0)) } ?? .null),
        ])
    }

    private static func integration(_ item: IntegrationReport, compared: Bool) -> JSONValue {
        let stats = item.stats
        let previous: JSONValue = compared
            ? comparison(ComparedNumbers(item.stats), item.previous.map { ComparedNumbers($0.stats) } ?? .noData) : .null
        let tokenValue: JSONValue = item.token.map(token) ?? .null
        return .object([
            ("id", .string(item.info.id)),
            ("provider", item.info.provider.map(JSONValue.string) ?? .null),
            ("userId", item.info.userId.map(JSONValue.string) ?? .null),
            ("hasData", .bool(item.hasData)),
            ("maxGapSeconds", seconds(item.maxGapMs)),
            ("current", .object([
                ("healthStatus", .string(item.info.healthStatus.rawValue)),
                ("lastHealthCheck", item.info.lastHealthCheckMs.map(time) ?? .null),
                ("stale", .bool(item.stale)),
            ])),
            ("checks", checks(stats.checks)),
            ("availability", availability(stats.availability)),
            ("latencyMs", latency(stats.latency)),
            ("incidents", incidentsWithItems(stats.incidents)),
            ("slo", .object([
                ("target", .number(item.slo.target)),
                ("met", item.slo.met.map(JSONValue.bool) ?? .null),
                ("errorBudgetRemaining", optional(item.slo.errorBudgetRemaining)),
                ("burnRate", optional(item.slo.burnRate)),
                ("allowedDowntimeSeconds", .number(item.slo.allowedDowntimeSeconds)),
                ("burnRates", .object(item.slo.burnRates.map { ($0.label, optional($0.rate)) })),
                ("alert", .string(item.slo.alert.rawValue)),
                ("alertRule", item.slo.alertRule.map { JSONValue.string($0.text) } ?? .null),
            ])),
            ("previous", previous),
            ("token", tokenValue),
            // Written field by field: a year of a large fleet has hundreds of thousands of days.
            ("daily", .lazyArray(item.daily.count) { index in
                let day = item.daily[index]
                return .fields { fields in
                    fields.string("date", day.date.text)
                    fields.value("maxGapSeconds", day.maxGapMs.map(seconds) ?? .null)
                    fields.object("checks") { checks(day.stats.checks, into: &$0) }
                    fields.object("availability") { availability(day.stats.availability, into: &$0) }
                    fields.object("latencyMs") { latency(day.stats.latency, into: &$0) }
                    fields.object("incidents") { incidents(day.stats.incidents, into: &$0) }
                    fields.value("sloMet", day.slo.met.map(JSONValue.bool) ?? .null)
                }
            }),
            ("topErrors", errors(item.topErrors, withIntegrations: false)),
        ])
    }

    private static func checks(_ counts: CheckCounts) -> JSONValue { .fields { checks(counts, into: &$0) } }

    private static func checks(_ counts: CheckCounts, into fields: inout JSONFields) {
        fields.int("total", counts.total)
        fields.int("healthy", counts.healthy)
        fields.int("warning", counts.warning)
        fields.int("error", counts.error)
        fields.int("unknown", counts.unknown)
    }

    private static func availability(_ value: Availability) -> JSONValue { .fields { availability(value, into: &$0) } }

    private static func availability(_ value: Availability, into fields: inout JSONFields) {
        fields.number("countBased", value.countBased)
        fields.number("timeWeighted", value.timeWeighted)
        fields.number("coverage", value.coverage)
        fields.number("strict", value.strict)
        fields.seconds("upSeconds", value.upMs)
        fields.seconds("downSeconds", value.downMs)
        fields.seconds("excludedSeconds", value.excludedMs)
        fields.seconds("maintenanceSeconds", value.maintenanceMs)
        fields.seconds("outsideServiceHoursSeconds", value.outsideServiceMs)
        fields.seconds("countedSeconds", value.countedMs)
    }

    private static func latency(_ value: LatencySummary) -> JSONValue { .fields { latency(value, into: &$0) } }

    private static func latency(_ value: LatencySummary, into fields: inout JSONFields) {
        fields.int("count", value.count)
        fields.int("invalid", value.invalid)
        fields.int("min", value.min)
        fields.number("mean", value.mean)
        fields.int("p50", value.p50)
        fields.int("p90", value.p90)
        fields.int("p95", value.p95)
        fields.int("p99", value.p99)
        fields.int("max", value.max)
    }

    /// The summary and each incident (a window's; a day's entry has the summary only).
    private static func incidentsWithItems(_ summary: IncidentSummary) -> JSONValue {
        .fields { fields in
            incidents(summary, into: &fields)
            fields.value("items", .array(summary.items.map { incident in
                .object([
                    ("start", time(incident.startMs)),
                    ("end", time(incident.endMs)),
                    ("durationSeconds", seconds(incident.durationMs)),
                    ("excludedSeconds", seconds(incident.excludedMs)),
                    ("countedSeconds", seconds(incident.countedMs)),
                    ("open", .bool(incident.open)),
                    ("tokenError", .bool(incident.firstError.map(TokenKnowledge.looksRevoked) ?? false)),
                    ("firstError", incident.firstError.map(JSONValue.string) ?? .null),
                ])
            }))
        }
    }

    private static func incidents(_ summary: IncidentSummary, into fields: inout JSONFields) {
        fields.int("count", summary.count)
        fields.seconds("downtimeSeconds", summary.downtimeMs)
        fields.number("mttrSeconds", summary.mttrSeconds)
        fields.number("mtbfSeconds", summary.mtbfSeconds)
        fields.value("longestSeconds", summary.longestMs.map(seconds) ?? .null)
        fields.seconds("excludedSeconds", summary.excludedMs)
    }

    private static func errors(_ list: [ErrorCount], withIntegrations: Bool) -> JSONValue {
        .array(list.map { entry in
            var fields: [(String, JSONValue)] = [("message", .string(entry.message)), ("count", .int(entry.count))]
            if withIntegrations { fields.append(("integrations", .int(entry.integrations))) }
            return .object(fields)
        })
    }

    private static func time(_ ms: Int64) -> JSONValue { .string(ISOTime.format(epochMilliseconds: ms)) }
    private static func seconds(_ ms: Int64) -> JSONValue { .number(Double(ms) / 1000) }
    private static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
}

/// A JSON value with ordered keys, written without Foundation.
enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// An array whose elements are built one at a time while writing, so a large document is
    /// never held as a tree.
    case lazyArray(Int, (Int) -> JSONValue)
    /// A lazy array whose elements are built and written on all cores, a few at a time, and
    /// appended in order: the same bytes as `lazyArray`, sooner.
    case parallelArray(Int, @Sendable (Int) -> JSONValue)
    case object([(String, JSONValue)])
    /// An object written field by field straight into the output (`JSONFields`), without a
    /// value built for each field.
    case fields((inout JSONFields) -> Void)

    /// Appends the value to `out` as UTF-8; with a `sink`, hands `out` over whenever an array
    /// element leaves it longer than `TextSink.pieceBytes`. Bytes, not a `String`: a year's
    /// report writes hundreds of megabytes, and appending bytes skips String's bookkeeping.
    func write(to out: inout ByteOutput, indent: Int, sink: TextSink? = nil) {
        switch self {
        case .null: out.append("null")
        case let .bool(value): out.append(value ? "true" : "false")
        case let .int(value): out.appendDecimal(Int64(value))
        case let .number(value): Self.appendNumber(value, to: &out)
        case let .string(value): Self.quote(value, into: &out)
        case let .array(values):
            Self.writeArray(count: values.count, { values[$0] }, to: &out, indent: indent, sink: sink)
        case let .lazyArray(count, element):
            Self.writeArray(count: count, element, to: &out, indent: indent, sink: sink)
        case let .parallelArray(count, element):
            Self.writeArrayInParallel(count: count, element, to: &out, indent: indent, sink: sink)
        case let .object(fields):
            JSONFields.write(to: &out, indent: indent, sink: sink) { object in
                for (key, value) in fields { object.value(named: key, value) }
            }
        case let .fields(write):
            JSONFields.write(to: &out, indent: indent, sink: sink, write)
        }
    }

    private static func writeArray(count: Int, _ element: (Int) -> JSONValue, to out: inout ByteOutput, indent: Int, sink: TextSink?) {
        guard count > 0 else { out.append("[]"); return }
        out.append("[\n")
        for index in 0..<count {
            Self.indent(indent + 1, &out)
            element(index).write(to: &out, indent: indent + 1, sink: sink)
            out.append(index + 1 < count ? ",\n" : "\n")
            if let sink, out.count >= TextSink.pieceBytes { out.emit(to: sink) }
        }
        Self.indent(indent, &out)
        out.append(UInt8(ascii: "]"))
    }

    /// Writes rounds of `2 × cores` elements, each on its own thread into its own buffer, then
    /// appends the round's buffers in order; memory holds one round, not the array.
    private static func writeArrayInParallel(
        count: Int, _ element: @Sendable (Int) -> JSONValue, to out: inout ByteOutput, indent: Int, sink: TextSink?
    ) {
        guard count > 0 else { out.append("[]"); return }
        out.append("[\n")
        let slots = (0..<min(count, 2 * ProcessInfo.processInfo.activeProcessorCount)).map { _ in ElementOutput() }
        for start in stride(from: 0, to: count, by: slots.count) {
            let round = start..<min(count, start + slots.count)
            DispatchQueue.concurrentPerform(iterations: round.count) { offset in
                ThreadPriority.adopt()
                let index = round.lowerBound + offset
                slots[offset].write { out in
                    Self.indent(indent + 1, &out)
                    element(index).write(to: &out, indent: indent + 1)
                    out.append(index + 1 < count ? ",\n" : "\n")
                }
            }
            for offset in 0..<round.count {
                slots[offset].move(into: &out)
                if let sink, out.count >= TextSink.pieceBytes { out.emit(to: sink) }
            }
        }
        Self.indent(indent, &out)
        out.append(UInt8(ascii: "]"))
    }

    /// Whole numbers without a fraction (`3600`), others in Swift's shortest round-trip form.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return whole(value).map { String($0) } ?? String(value)
    }

    fileprivate static func appendNumber(_ value: Double, to out: inout ByteOutput) {
        if let whole = whole(value) {
            out.appendDecimal(whole)
        } else {
            out.appendText(number(value))
        }
    }

    /// `value` as an integer when it is whole and below 1e15, so it is written without a fraction.
    private static func whole(_ value: Double) -> Int64? {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? Int64(value) : nil
    }

    /// Two spaces a level.
    fileprivate static func indent(_ level: Int, _ out: inout ByteOutput) {
        out.append(repeating: UInt8(ascii: " "), count: 2 * level)
    }

    /// `text` as a JSON string appended to `out`.
    static func quote(_ text: String, into out: inout String) {
        var bytes = ByteOutput(capacity: text.utf8.count + 2)
        quote(text, into: &bytes)
        out += bytes.text
    }

    private static let hex: StaticString = "0123456789abcdef"

    static func quote(_ text: String, into out: inout ByteOutput) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var copied = 0
            for (position, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(UnsafeBufferPointer(rebasing: utf8[copied..<position]))
                copied = position + 1
                switch byte {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case UInt8(ascii: "\n"): out.append("\\n")
                case UInt8(ascii: "\r"): out.append("\\r")
                case UInt8(ascii: "\t"): out.append("\\t")
                default:
                    out.append("\\u00")
                    out.append(hex.utf8Start[Int(byte >> 4)])
                    out.append(hex.utf8Start[Int(byte & 0xF)])
                }
            }
            out.append(UnsafeBufferPointer(rebasing: utf8[copied...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// One element's bytes, written on a worker thread. Each round gives every slot to one thread and
/// reads it after `concurrentPerform` returns, which orders the two.
private final class ElementOutput: @unchecked Sendable {
    private var output = ByteOutput(capacity: 64 * 1024)

    func write(_ body: (inout ByteOutput) -> Void) { body(&output) }

    /// Appends the bytes to `out` and empties the slot for the next round.
    func move(into out: inout ByteOutput) {
        out.append(contentsOf: output)
        output.removeAll()
    }
}

/// The fields of one object, written as they come: the opening brace with the first field, a
/// comma before each next one, `{}` when there is none. Every JSON object is laid out here.
struct JSONFields: ~Copyable {
    /// The document's output, moved in while the object is written.
    private var out: ByteOutput
    private let indent: Int
    private let sink: TextSink?
    private var count = 0

    private init(out: consuming ByteOutput, indent: Int, sink: TextSink?) {
        self.out = out
        self.indent = indent
        self.sink = sink
    }

    /// Appends the object whose fields `write` gives to `out`, at `indent`.
    fileprivate static func write(to out: inout ByteOutput, indent: Int, sink: TextSink?, _ write: (inout JSONFields) -> Void) {
        var fields = JSONFields(out: out, indent: indent, sink: sink)
        write(&fields)
        fields.close()
        out = fields.takeOutput()
    }

    private consuming func takeOutput() -> ByteOutput { out }

    /// Starts the next field: the separator and the indentation before its key.
    private mutating func startField() {
        out.append(count == 0 ? "{\n" : ",\n")
        count += 1
        JSONValue.indent(indent + 1, &out)
    }

    /// The key of the next field (keys are plain ASCII literals: nothing to escape).
    private mutating func key(_ key: StaticString) {
        startField()
        out.append(UInt8(ascii: "\""))
        out.append(key)
        out.append("\": ")
    }

    mutating func value(_ key: StaticString, _ value: JSONValue) {
        self.key(key)
        value.write(to: &out, indent: indent + 1, sink: sink)
    }

    /// A field whose key is not a literal, escaped as any string.
    mutating func value(named key: String, _ value: JSONValue) {
        startField()
        JSONValue.quote(key, into: &out)
        out.append(": ")
        value.write(to: &out, indent: indent + 1, sink: sink)
    }

    mutating func int(_ key: StaticString, _ value: Int?) {
        self.key(key)
        if let value { out.appendDecimal(Int64(value)) } else { out.append("null") }
    }

    mutating func number(_ key: StaticString, _ value: Double?) {
        self.key(key)
        if let value { JSONValue.appendNumber(value, to: &out) } else { out.append("null") }
    }

    /// Milliseconds written as seconds.
    mutating func seconds(_ key: StaticString, _ ms: Int64) {
        number(key, Double(ms) / 1000)
    }

    mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        JSONValue.quote(value, into: &out)
    }

    mutating func object(_ key: StaticString, _ write: (inout JSONFields) -> Void) {
        self.key(key)
        Self.write(to: &out, indent: indent + 1, sink: sink, write)
    }

    private mutating func close() {
        guard count > 0 else { out.append("{}"); return }
        out.append(UInt8(ascii: "\n"))
        JSONValue.indent(indent, &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// The numbers `--compare previous` sets side by side.
struct ComparedNumbers: Sendable, Equatable {
    var hasData: Bool
    var availability: Double?
    var downtimeMs: Int64
    var incidents: Int
    var p95: Int?

    static let noData = ComparedNumbers(hasData: false, availability: nil, downtimeMs: 0, incidents: 0, p95: nil)

    init(hasData: Bool, availability: Double?, downtimeMs: Int64, incidents: Int, p95: Int?) {
        self.hasData = hasData
        self.availability = availability
        self.downtimeMs = downtimeMs
        self.incidents = incidents
        self.p95 = p95
    }

    init(_ stats: PeriodStats) {
        self.init(
            hasData: stats.checks.total > 0, availability: stats.availability.timeWeighted, downtimeMs: stats.availability.downMs,
            incidents: stats.incidents.count, p95: stats.latency.p95)
    }

    init(_ fleet: FleetSummary) {
        self.init(
            hasData: fleet.withData > 0, availability: fleet.availability.timeWeighted, downtimeMs: fleet.downtimeMs,
            incidents: fleet.incidents, p95: fleet.latency.p95)
    }
}
