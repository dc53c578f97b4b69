import Foundation

/// A value that can be sent as a text-format query parameter.
public protocol PostgresParameter: Sendable {
    /// The parameter in PostgreSQL's text input format, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresParameter {
    public var postgresText: String? { self }
}

extension Int: PostgresParameter {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresParameter {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresParameter {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresParameter {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresParameter {
    public var postgresText: String? { self ? "true" : "false" }
}

extension Date: PostgresParameter {
    /// UTC with millisecond precision and an explicit `+00`, matching Prisma's `timestamp(3)`
    /// columns. The offset makes a `timestamptz` parameter right whatever the session's TimeZone;
    /// `timestamp without time zone` input ignores it.
    public var postgresText: String? { PostgresTimestamp.format(self) + "+00" }
}

extension Optional: PostgresParameter where Wrapped: PostgresParameter {
    public var postgresText: String? { self?.postgresText }
}

/// Conversion between `Date` and PostgreSQL's timestamp text, always in UTC.
public enum PostgresTimestamp {
    /// A UTC day; days have no leap seconds in PostgreSQL or Unix time.
    public static let millisecondsPerDay: Int64 = 86_400_000

    /// `2026-11-28 10:15:00.123` (UTC, millisecond precision, no offset).
    public static func format(_ date: Date) -> String {
        format(epochMilliseconds: epochMilliseconds(date))
    }

    /// Whole milliseconds since the epoch, rounding toward the past. The value is first rounded
    /// to 10 microseconds, so a `Date` made from milliseconds (which `Double` cannot hold exactly;
    /// its error reaches a few microseconds centuries away from 2001) gives those milliseconds
    /// back instead of one less.
    public static func epochMilliseconds(_ date: Date) -> Int64 {
        let tensOfMicroseconds = Int64((date.timeIntervalSince1970 * 100_000).rounded())
        return floorDivMod(tensOfMicroseconds, 100).0
    }

    public static func format(epochMilliseconds millis: Int64) -> String {
        let (days, msOfDay) = floorDivMod(millis, millisecondsPerDay)
        let (y, m, d) = civilFromDays(days)
        let h = msOfDay / 3_600_000
        let mi = (msOfDay / 60_000) % 60
        let s = (msOfDay / 1000) % 60
        let ms = msOfDay % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(ms, 3))"
    }

    /// Parses `timestamp` and `timestamptz` output (`2026-11-28 10:15:00.123456+00`) and the ISO
    /// form (`2026-11-28T10:15:00Z`), returning milliseconds since the epoch. Fractions of any
    /// length are cut to milliseconds (toward the past). Offsets are `+HH`, `+HH:MM`, `+HHMM`,
    /// `+HH:MM:SS` or `Z`; a value without one is taken as UTC. Returns nil for anything else,
    /// including out-of-range fields, trailing text, `infinity` and BC dates.
    public static func parseEpochMilliseconds(_ text: Substring) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for i in from..<(from + count) {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int64(b - 48)
            }
            return value
        }
        func byte(_ index: Int, is allowed: UInt8...) -> Bool { index < bytes.count && allowed.contains(bytes[index]) }
        guard bytes.count >= 19,
            let y = number(0, 4), byte(4, is: 45), let mo = number(5, 2), byte(7, is: 45), let d = number(8, 2),
            byte(10, is: 32, 84, 116),
            let h = number(11, 2), byte(13, is: 58), let mi = number(14, 2), byte(16, is: 58), let s = number(17, 2),
            (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo), h <= 23, mi <= 59, s <= 59
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if byte(index, is: 46) {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offsetSeconds: Int64 = 0
        if byte(index, is: 90, 122) {
            index += 1
        } else if byte(index, is: 43, 45) {
            let sign: Int64 = bytes[index] == 43 ? 1 : -1
            guard let oh = number(index + 1, 2), oh <= 15 else { return nil }
            index += 3
            /// Minutes and seconds of the offset: `:MM` or `MM`, each optional.
            func offsetPart(colonRequired: Bool) -> Int64? {
                let colon = byte(index, is: 58)
                guard colon || !colonRequired, let value = number(index + (colon ? 1 : 0), 2), value <= 59 else { return nil }
                index += colon ? 3 : 2
                return value
            }
            let om = offsetPart(colonRequired: false) ?? 0
            let os = offsetPart(colonRequired: true) ?? 0
            offsetSeconds = sign * (oh * 3600 + om * 60 + os)
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        let seconds = days * 86_400 + h * 3600 + mi * 60 + s - offsetSeconds
        return seconds * 1000 + millis
    }

    public static func parse(_ text: Substring) -> Date? {
        parseEpochMilliseconds(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }


    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

/// Division rounding toward negative infinity, with a remainder in `0..<b`: instants before
/// 1970 belong to the day, second or millisecond that starts before them.
public func floorDivMod(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
    let q = a / b
    let r = a % b
    return r < 0 ? (q - 1, r + b) : (q, r)
}
