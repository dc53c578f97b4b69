import PostgresClient
import TestSupport
import Testing

@Suite(.requiresDatabase) struct ConnectionTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("client") }

    @Test func parameterizedQueryReturnsTypedValues() throws {
        let connection = try database.connect()
        let row = try #require(try connection.query("SELECT $1::int + 1, $2::text, $3::text IS NULL", [41, "o'brien; --", String?.none]).first)
        #expect(row.int(0) == 42)
        #expect(row.string(1) == "o'brien; --")
        #expect(row.bool(2) == true)
    }
}
