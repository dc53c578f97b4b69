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
    /// UTC with millisecond precision, matching Prisma's `timestamp(3)` columns.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresParameter where Wrapped: PostgresParameter {
    public var postgresText: String? { self?.postgresText }
}

/// Conversion between `Date` and PostgreSQL's timestamp text, always in UTC.
public enum PostgresTimestamp {
    /// `2026-11-28 10:15:00.123` (UTC, millisecond precision).
    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        return format(epochMilliseconds: millis)
    }

    public static func format(epochMilliseconds millis: Int64) -> String {
        let (days, msOfDay) = floorDivMod(millis, 86_400_000)
        let (y, m, d) = civilFromDays(days)
        let h = msOfDay / 3_600_000
        let mi = (msOfDay / 60_000) % 60
        let s = (msOfDay / 1000) % 60
        let ms = msOfDay % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(ms, 3))"
    }

    /// Parses `timestamp` and `timestamptz` output (`2026-11-28 10:15:00.123456+00`), returning
    /// milliseconds since the epoch. A value without an offset is taken as UTC. Returns nil for
    /// anything it does not recognise (including `infinity`).
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
        guard bytes.count >= 19,
            let y = number(0, 4), bytes[4] == 45, let mo = number(5, 2), bytes[7] == 45, let d = number(8, 2),
            bytes[10] == 32 || bytes[10] == 84,
            let h = number(11, 2), bytes[13] == 58, let mi = number(14, 2), bytes[16] == 58, let s = number(17, 2)
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count {
            let sign: Int64
            switch bytes[index] {
            case 43: sign = 1
            case 45: sign = -1
            case 90: sign = 0
            default: return nil
            }
            if sign != 0 {
                guard let oh = number(index + 1, 2) else { return nil }
                var om: Int64 = 0
                var os: Int64 = 0
                var rest = index + 3
                if rest < bytes.count, bytes[rest] == 58 { rest += 1 }
                if let value = number(rest, 2) {
                    om = value
                    rest += 2
                    if rest < bytes.count, bytes[rest] == 58 { rest += 1 }
                    if let sec = number(rest, 2) { os = sec }
                }
                offsetSeconds = sign * (oh * 3600 + om * 60 + os)
            }
        }
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

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
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
