import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct PostgresTimestampParsingTests {
    /// 2026-11-28 10:15:00 UTC.
    static let base: Int64 = 1_795_860_900_000

    static let parsed: [(String, Int64)] = [
        ("2026-11-28 10:15:00", base),
        ("2026-11-28T10:15:00", base),
        ("2026-11-28 10:15:00.1", base + 100),
        ("2026-11-28 10:15:00.12", base + 120),
        ("2026-11-28 10:15:00.123", base + 123),
        ("2026-11-28 10:15:00.1234", base + 123),
        ("2026-11-28 10:15:00.12345", base + 123),
        ("2026-11-28 10:15:00.123999", base + 123),
        ("2026-11-28 10:15:00+00", base),
        ("2026-11-28 10:15:00Z", base),
        ("2026-11-28T10:15:00.5Z", base + 500),
        ("2026-11-28 15:45:00+05:30", base),
        ("2026-11-28 15:45:00+0530", base),
        ("2026-11-28 02:15:00-08", base),
        ("2026-11-28 02:15:00.250-08:00", base + 250),
        ("2026-11-28 10:15:00.123456+00", base + 123),
        ("1853-06-30 10:14:21-00:01:15", -3_676_542_264_000),
    ]

    @Test(arguments: parsed)
    func parses(_ text: String, _ expected: Int64) {
        #expect(PostgresTimestamp.parseEpochMilliseconds(text[...]) == expected)
    }

    @Test(arguments: [
        "", "garbage", "2026-11-28", "2026-11-28 10:15", "2026-11-28 10:15:0", "infinity", "-infinity",
        "2026-13-01 00:00:00", "2026-02-30 00:00:00", "2025-02-29 00:00:00", "2026-11-28 24:00:00",
        "2026-11-28 10:60:00", "2026-11-28 10:15:60", "2026-11-28 10:15:00.", "2026-11-28 10:15:00 BC",
        "2026-11-28 10:15:00+", "2026-11-28 10:15:00+5", "2026-11-28 10:15:00+05:", "2026-11-28 10:15:00+05:75",
        "2026-11-28 10:15:00Zjunk", "2026-11-28 10:15:00 trailing", "12026-11-28 10:15:00", "2026/11/28 10:15:00",
    ])
    func rejects(_ text: String) {
        #expect(PostgresTimestamp.parseEpochMilliseconds(text[...]) == nil)
    }

    @Test func leapDaysParse() {
        #expect(PostgresTimestamp.parseEpochMilliseconds("2024-02-29 00:00:00") == 1_709_164_800_000)
        #expect(PostgresTimestamp.parseEpochMilliseconds("2000-02-29 00:00:00") == 951_782_400_000)
        #expect(PostgresTimestamp.parseEpochMilliseconds("1900-02-29 00:00:00") == nil)
    }

    static let formatted: [(Int64, String)] = [
        (0, "1970-01-01 00:00:00.000"),
        (-1, "1969-12-31 23:59:59.999"),
        (-86_400_000, "1969-12-31 00:00:00.000"),
        (base + 7, "2026-11-28 10:15:00.007"),
        (951_782_400_000, "2000-02-29 00:00:00.000"),
        (-2_208_988_800_000, "1900-01-01 00:00:00.000"),
        (253_402_300_799_999, "9999-12-31 23:59:59.999"),
    ]

    @Test(arguments: formatted)
    func formats(_ millis: Int64, _ expected: String) {
        #expect(PostgresTimestamp.format(epochMilliseconds: millis) == expected)
        #expect(PostgresTimestamp.parseEpochMilliseconds(expected[...]) == millis)
    }

    @Test func datesMadeFromMillisecondsKeepThem() {
        // Date holds seconds in a Double; naive truncation turns many of these into one less.
        var millis: Int64 = -5_000_000_000_000
        while millis < 5_000_000_000_000 {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            #expect(PostgresTimestamp.epochMilliseconds(date) == millis, "\(millis)")
            #expect(PostgresTimestamp.parseEpochMilliseconds(PostgresTimestamp.format(date)[...]) == millis)
            millis += 98_765_432_109
        }
        for millis in [Self.base + 1, Self.base + 7, Self.base + 123, Self.base + 999, Int64(-1), Int64(-999)] {
            #expect(PostgresTimestamp.epochMilliseconds(Date(timeIntervalSince1970: Double(millis) / 1000)) == millis)
        }
    }

    @Test func subMillisecondDatesRoundTowardThePast() {
        #expect(PostgresTimestamp.epochMilliseconds(Date(timeIntervalSince1970: 1.0009)) == 1000)
        #expect(PostgresTimestamp.epochMilliseconds(Date(timeIntervalSince1970: -0.0001)) == -1)
    }

    @Test func dateParametersCarryAnExplicitUTCOffset() {
        let date = Date(timeIntervalSince1970: Double(Self.base + 123) / 1000)
        #expect(date.postgresText == "2026-11-28 10:15:00.123+00")
        #expect(PostgresTimestamp.parse("2026-11-28 10:15:00.123+00") == date)
    }
}

@Suite(.requiresDatabase) struct TimestampRoundTripTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("timestamps") }

    static let samples: [Int64] = [
        0, -1, 1, 999, -86_400_001, -2_208_988_800_000, -11_644_473_600_123, 951_782_400_000,
        PostgresTimestampParsingTests.base, PostgresTimestampParsingTests.base + 123, 4_102_444_799_999,
    ]

    @Test func datesRoundTripThroughTimestamp3AndTimestamptz() throws {
        let connection = try database.connect()
        try connection.execute(script: "CREATE TABLE t (n int, plain timestamp(3), zoned timestamptz)")
        for (index, millis) in Self.samples.enumerated() {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            try connection.query("INSERT INTO t VALUES ($1, $2, $3)", [index, date, date])
        }
        let rows = try connection.query("SELECT plain, zoned, plain::text, zoned::text FROM t ORDER BY n").rows
        #expect(rows.map { $0.epochMilliseconds(0) } == Self.samples)
        #expect(rows.map { $0.epochMilliseconds(1) } == Self.samples)
        #expect(rows.map { $0.string(2) ?? "" } == Self.samples.map { Self.postgresText($0, zoned: false) })
        #expect(rows.map { $0.string(3) ?? "" } == Self.samples.map { Self.postgresText($0, zoned: true) })
    }

    @Test func timestamptzParametersAreRightInAnySessionTimeZone() throws {
        let connection = try database.connect()
        try connection.set("TimeZone", "America/Los_Angeles")
        try connection.execute(script: "CREATE TABLE t (plain timestamp(3), zoned timestamptz)")
        let millis = PostgresTimestampParsingTests.base + 123
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        try connection.query("INSERT INTO t VALUES ($1, $2)", [date, date])
        let row = try #require(try connection.query("SELECT plain, zoned, zoned::text FROM t").first)
        #expect(row.epochMilliseconds(0) == millis)
        #expect(row.epochMilliseconds(1) == millis)
        #expect(row.string(2) == "2026-11-28 02:15:00.123-08", "timestamptz text carries the session offset, which is parsed")
    }

    @Test func microsecondValuesAreCutToMilliseconds() throws {
        let connection = try database.connect()
        let row = try #require(try connection.query(
            "SELECT '2026-11-28 10:15:00.123999'::timestamp, '1969-12-31 23:59:59.9995+00'::timestamptz").first)
        #expect(row.epochMilliseconds(0) == PostgresTimestampParsingTests.base + 123)
        #expect(row.epochMilliseconds(1) == -1)
    }

    /// What PostgreSQL prints for a timestamp(3) in a UTC session: trailing zeros of the
    /// fraction dropped, and `+00` for timestamptz.
    static func postgresText(_ millis: Int64, zoned: Bool) -> String {
        var text = PostgresTimestamp.format(epochMilliseconds: millis)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + (zoned ? "+00" : "")
    }
}
