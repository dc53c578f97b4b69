import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite(.requiresDatabase) struct StreamingTests {
    struct StopReading: Error, Equatable {}

    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("streaming")
        connection = try database.connect()
    }

    @Test func streamsALargeResultRowByRow() throws {
        var count = 0
        var sum = 0
        var lastSeen = 0
        var inOrder = true
        try connection.forEachRow("SELECT g, repeat('x', g % 50) FROM generate_series(1, $1::int) g", [200_000]) { row in
            let value = row.int(0) ?? -1
            inOrder = inOrder && value == lastSeen + 1
            lastSeen = value
            count += 1
            sum += value
            if row.string(1)?.count != value % 50 { inOrder = false }
        }
        #expect(count == 200_000)
        #expect(sum == 200_000 * 200_001 / 2)
        #expect(inOrder)
        #expect(try connection.query("SELECT 1").first?.int(0) == 1)
    }

    @Test func anEmptyResultCallsNothing() throws {
        var calls = 0
        try connection.forEachRow("SELECT 1 WHERE $1::bool", [false]) { _ in calls += 1 }
        #expect(calls == 0)
    }

    @Test func aServerErrorMidStreamSurfacesAfterTheRowsBeforeIt() throws {
        var seen = 0
        let error = try #require(throws: PostgresError.self) {
            try connection.forEachRow("SELECT 1 / (150000 - g) FROM generate_series(1, 200000) g") { _ in seen += 1 }
        }
        #expect(error.sqlState == "22012")
        #expect(error.message == "division by zero")
        #expect(seen > 0 && seen < 150_000)
        #expect(connection.isHealthy && !connection.inTransaction)
        #expect(try connection.query("SELECT 2").first?.int(0) == 2)
    }

    @Test func aThrowingBodyStopsTheStreamAndLeavesTheConnectionUsable() throws {
        var seen = 0
        #expect(throws: StopReading()) {
            try connection.forEachRow("SELECT g FROM generate_series(1, 5000000) g") { row in
                seen += 1
                if row.int(0) == 1000 { throw StopReading() }
            }
        }
        #expect(seen == 1000)
        #expect(connection.isHealthy && !connection.inTransaction)
        #expect(try connection.query("SELECT count(*) FROM generate_series(1, 10)").first?.int(0) == 10)
        var again = 0
        try connection.forEachRow("SELECT g FROM generate_series(1, 3) g") { _ in again += 1 }
        #expect(again == 3)
    }

    @Test func aBadStatementFailsBeforeAnyRow() throws {
        let error = try #require(throws: PostgresError.self) {
            try connection.forEachRow("SELECT * FROM missing_table") { _ in Issue.record("no rows expected") }
        }
        #expect(error.sqlState == "42P01")
        #expect(try connection.query("SELECT 3").first?.int(0) == 3)
    }

    @Test func copyIsRefusedWithTheConnectionKeptUsable() throws {
        #expect(throws: PostgresError.self) {
            try connection.forEachRow("COPY (SELECT 1) TO STDOUT") { _ in }
        }
        #expect(try connection.query("SELECT 4").first?.int(0) == 4)
    }
}
