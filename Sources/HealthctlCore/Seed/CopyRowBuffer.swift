import PostgresClient

/// COPY text rows built byte by byte. The seed writes millions of rows, so it avoids Foundation
/// formatting and string interpolation per row.
struct CopyRowBuffer {
    private(set) var bytes: [UInt8] = []
    /// `YYYY-MM-DD ` of the day last formatted, so a timestamp costs a few digit writes.
    private var cachedDay: Int64 = .min
    private var cachedDayPrefix: [UInt8] = []

    static let tab: UInt8 = 9
    static let newline: UInt8 = 10
    static let null: [UInt8] = Array(CopyText.null.utf8)
    private static let base36Digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    mutating func appendNull() { bytes.append(contentsOf: Self.null) }

    /// A text field, escaped for COPY (for values that are not pre-escaped).
    mutating func appendField(_ text: String?) { bytes.append(contentsOf: CopyText.field(text).utf8) }

    mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            bytes.append(45)
            appendDecimal(UInt64(-value))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    mutating func appendDecimal(_ value: UInt64) {
        var length = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            length += 1
        }
        appendDigits(value, radix: 10, width: length)
    }

    /// Writes `value` right-aligned in exactly `width` digits of `radix`, dropping higher digits.
    private mutating func appendDigits(_ value: UInt64, radix: UInt64, width: Int) {
        var remaining = value
        let start = bytes.count
        for _ in 0..<width { bytes.append(48) }
        for position in stride(from: start + width - 1, through: start, by: -1) {
            bytes[position] = Self.base36Digits[Int(remaining % radix)]
            remaining /= radix
        }
    }

    /// Exactly `width` lowercase base-36 digits of `value` (higher digits are dropped).
    mutating func appendBase36(_ value: UInt64, width: Int) { appendDigits(value, radix: 36, width: width) }

    /// Exactly `digits` lowercase hex digits of the low bits of `value`.
    mutating func appendHex(_ value: UInt64, digits: Int) { appendDigits(value, radix: 16, width: digits) }

    private mutating func appendTwoDigits(_ value: Int64) {
        bytes.append(UInt8(48 + value / 10))
        bytes.append(UInt8(48 + value % 10))
    }

    /// `YYYY-MM-DD HH:MM:SS.mmm` in UTC, with `+00` for `timestamptz` columns so the value never
    /// depends on the session's time zone.
    mutating func appendTimestamp(epochMilliseconds millis: Int64, withZone: Bool) {
        let (day, inDay) = floorDivMod(millis, CalendarDay.dayMs)
        if day != cachedDay {
            cachedDay = day
            cachedDayPrefix = Array(PostgresTimestamp.format(epochMilliseconds: day * CalendarDay.dayMs).utf8.prefix(11))
        }
        bytes.append(contentsOf: cachedDayPrefix)
        appendTwoDigits(inDay / 3_600_000)
        bytes.append(58)
        appendTwoDigits(inDay / 60_000 % 60)
        bytes.append(58)
        appendTwoDigits(inDay / 1000 % 60)
        bytes.append(46)
        let fraction = inDay % 1000
        bytes.append(UInt8(48 + fraction / 100))
        appendTwoDigits(fraction % 100)
        if withZone { bytes.append(contentsOf: [43, 48, 48]) }
    }
}
