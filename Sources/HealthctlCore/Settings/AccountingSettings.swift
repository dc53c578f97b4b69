import PostgresClient
import TOMLKit

/// Reads the SLA accounting tables of the settings file: `[[maintenance]]` entries and
/// `[report.service_hours]`. A bad entry is an error naming it and its line.
enum AccountingSettings {
    static let maintenanceKeys: Set = ["start", "end", "every", "days", "from", "to", "timezone", "providers", "integrations", "reason"]
    static let serviceHoursKeys: Set = ["days", "from", "to", "timezone", "holidays"]

    /// One `[[maintenance]]` entry; `number` counts from 1.
    static func maintenance(_ table: TOMLTable, number: Int, line: Int, path: String) throws(ConfigError) -> MaintenanceWindow {
        let reason = table["reason"]?.string ?? ""
        let reader = EntryReader(table: table, name: "maintenance entry \(number)" + (reason.isEmpty ? "" : " (\"\(reason)\")"), line: line, path: path)
        try reader.rejectUnknown(maintenanceKeys)
        if table["reason"] != nil, table["reason"]?.string == nil { throw reader.error("reason must be a string") }
        let providers = try reader.strings("providers")
        let integrations = try reader.strings("integrations")
        let schedule: MaintenanceWindow.Schedule
        if let every = try reader.string("every") {
            if table["start"] != nil || table["end"] != nil { throw reader.error("has both start/end and every: a window is either one stretch of time or recurring") }
            let clock = try reader.clock()
            guard let from = try reader.wallTime("from"), let to = try reader.wallTime("to") else {
                throw reader.error("a recurring window needs from and to (\"HH:MM\")")
            }
            guard from != to else { throw reader.error("from and to are both \(from.text): the window would be empty") }
            let days: Set<Int>
            switch every {
            case "day":
                days = try reader.weekdays("days") ?? Set(1...7)
            case "week":
                guard let given = try reader.weekdays("days") else { throw reader.error("every = \"week\" needs days, e.g. days = [\"sun\"]") }
                days = given
            default:
                throw reader.error("every = \"\(every)\" is not \"day\" or \"week\"")
            }
            schedule = .recurring(days: days, from: from, to: to, clock: clock)
        } else {
            guard let start = try reader.instant("start"), let end = try reader.instant("end") else {
                throw reader.error("needs start and end (ISO 8601 times), or every = \"day\" or \"week\" with from and to")
            }
            guard end > start else {
                throw reader.error("end \(ISOTime.format(epochMilliseconds: end)) is not after start \(ISOTime.format(epochMilliseconds: start))")
            }
            for key in ["days", "from", "to", "timezone"] where table[key] != nil {
                throw reader.error("\(key) is for recurring windows (every = \"day\" or \"week\")")
            }
            schedule = .once(start..<end)
        }
        return MaintenanceWindow(schedule: schedule, providers: providers, integrations: integrations, reason: reason, line: line)
    }

    static func serviceHours(_ table: TOMLTable, line: Int, path: String) throws(ConfigError) -> ServiceHours {
        let reader = EntryReader(table: table, name: "report.service_hours", line: line, path: path)
        try reader.rejectUnknown(serviceHoursKeys)
        let clock = try reader.clock()
        guard let from = try reader.wallTime("from"), let to = try reader.wallTime("to") else {
            throw reader.error("needs from and to (\"HH:MM\")")
        }
        guard from != to else { throw reader.error("from and to are both \(from.text): no hour would count") }
        let days = try reader.weekdays("days") ?? Set(1...5)
        var holidays: Set<CalendarDay> = []
        for text in try reader.strings("holidays") {
            guard let day = CalendarDay(text: text) else { throw reader.error("holiday \"\(text)\" is not a date such as 2026-12-25") }
            holidays.insert(day)
        }
        return ServiceHours(days: days, from: from, to: to, clock: clock, holidays: holidays)
    }
}

/// Typed reads of one entry's keys, with errors that name the entry.
private struct EntryReader {
    let table: TOMLTable
    let name: String
    let line: Int
    let path: String

    func error(_ message: String) -> ConfigError { .invalidEntry(path: path, line: line, entry: name, message: message) }

    func rejectUnknown(_ known: Set<String>) throws(ConfigError) {
        for (key, _) in table where !known.contains(key) {
            throw error("unknown key \"\(key)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw error("\(key) must be a string") }
        return text
    }

    func strings(_ key: String) throws(ConfigError) -> [String] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw error("\(key) must be a list of strings") }
        var result: [String] = []
        for element in array {
            guard let text = element.string else { throw error("\(key) must be a list of strings") }
            result.append(text)
        }
        return result
    }

    func weekdays(_ key: String) throws(ConfigError) -> Set<Int>? {
        guard table[key] != nil else { return nil }
        var days: Set<Int> = []
        for name in try strings(key) {
            guard let number = Weekday.number(name) else {
                throw error("unknown day \"\(name)\" (days are \(Weekday.names.joined(separator: ", ")))")
            }
            days.insert(number)
        }
        guard !days.isEmpty else { throw error("\(key) is empty") }
        return days
    }

    func wallTime(_ key: String) throws(ConfigError) -> WallTime? {
        guard let text = try string(key) else { return nil }
        guard let time = WallTime(text: text) else { throw error("\(key) \"\(text)\" is not a time of day such as \"02:00\" (00:00 to 24:00)") }
        return time
    }

    func clock() throws(ConfigError) -> WallClock {
        let identifier = try string("timezone") ?? "UTC"
        guard let clock = WallClock(identifier: identifier) else {
            throw error("unknown time zone \"\(identifier)\" (an IANA name such as Europe/Berlin; is tzdata installed?)")
        }
        return clock
    }

    /// An ISO 8601 string, or a TOML offset date-time.
    func instant(_ key: String) throws(ConfigError) -> Int64? {
        guard let value = table[key] else { return nil }
        if let text = value.string {
            guard let ms = ISOTime.parseEpochMilliseconds(text) else { throw error("\(key) \"\(text)\" is not an ISO 8601 time such as 2026-11-18T02:00:00Z") }
            return ms
        }
        if let dateTime = value.dateTime {
            guard let offset = dateTime.offset else { throw error("\(key) has no offset: write it with Z or +01:00") }
            let days = PostgresTimestamp.daysFromCivil(Int64(dateTime.date.year), Int64(dateTime.date.month), Int64(dateTime.date.day))
            let seconds = Int64(dateTime.time.hour) * 3600 + Int64(dateTime.time.minute) * 60 + Int64(dateTime.time.second)
            return (days * 86_400 + seconds - Int64(offset.offset) * 60) * 1000 + Int64(dateTime.time.nanoSecond) / 1_000_000
        }
        throw error("\(key) must be an ISO 8601 time such as \"2026-11-18T02:00:00Z\"")
    }
}
