import Foundation
import PostgresClient

/// ISO 8601 in UTC with a `Z`, the only way healthctl prints times.
public enum ISOTime {
    /// `2026-11-28T10:15:00Z`, or with milliseconds when they are not zero: `2026-11-28T10:15:00.123Z`.
    public static func format(epochMilliseconds millis: Int64) -> String {
        let text = PostgresTimestamp.format(epochMilliseconds: millis)
        let date = text.prefix(10)
        let time = text.dropFirst(11)
        let trimmed = time.hasSuffix(".000") ? time.dropLast(4) : time
        return "\(date)T\(trimmed)Z"
    }

    public static func format(_ date: Date) -> String {
        format(epochMilliseconds: PostgresTimestamp.epochMilliseconds(date))
    }

    /// Parses `2026-11-28`, `2026-11-28T10:15`, `2026-11-28T10:15:00`, `...00.123`, with `Z` or an
    /// offset such as `+02:00`. No offset means UTC.
    public static func parseEpochMilliseconds(_ text: String) -> Int64? {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.count == 10 { value += "T00:00:00" }
        // PostgresTimestamp wants seconds; add them when only hours and minutes are given.
        if value.count >= 16, value.count == 16 || !value[value.index(value.startIndex, offsetBy: 16)].isNumber,
            value.dropFirst(16).first != ":"
        {
            value.insert(contentsOf: ":00", at: value.index(value.startIndex, offsetBy: 16))
        }
        guard value.count >= 19 else { return nil }
        let separator = value[value.index(value.startIndex, offsetBy: 10)]
        guard separator == "T" || separator == " " || separator == "t" else { return nil }
        return PostgresTimestamp.parseEpochMilliseconds(value[...])
    }

    /// Milliseconds since the epoch, now.
    public static func nowMilliseconds() -> Int64 { PostgresTimestamp.epochMilliseconds(Date()) }
}

/// Durations such as `90d`, `5m`, `1h30m`, `500ms`, `2w`.
public enum DurationText {
    /// Parses a duration into milliseconds. Units: `ms`, `s`, `m`, `h`, `d`, `w`. A bare number is seconds.
    public static func parseMilliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        // Up to about 290 years: more than any retention or window, and far from Int64's limit.
        let limit: Double = 9e12
        // A number needs its unit (`90` could be seconds or days); only zero reads the same either way.
        if let number = Int64(trimmed) { return number == 0 ? 0 : nil }
        var total: Int64 = 0
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let factor: Double
            switch unit {
            case "ms": factor = 1
            case "s", "sec": factor = 1000
            case "m", "min": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = Double(CalendarDay.dayMs)
            case "w": factor = 604_800_000
            default: return false
            }
            let milliseconds = (value * factor).rounded()
            guard milliseconds + Double(total) <= limit else { return false }
            total += Int64(milliseconds)
            number = ""
            unit = ""
            return true
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard !number.isEmpty, !unit.isEmpty, flush() else { return nil }
        return total
    }

    /// `1h 5m`, `3d 2h`, `45s`, `0s`: the two largest units, for people.
    public static func humanize(seconds: Double) -> String {
        var remaining = Int64(seconds.rounded())
        if remaining <= 0 { return "0s" }
        let units: [(String, Int64)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]
        var parts: [String] = []
        for (name, size) in units where remaining >= size {
            parts.append("\(remaining / size)\(name)")
            remaining %= size
            if parts.count == 2 { break }
        }
        return parts.joined(separator: " ")
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
