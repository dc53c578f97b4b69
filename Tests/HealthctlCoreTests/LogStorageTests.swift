import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// The tables that hold log rows, whatever the shape of the log table.
@Suite(.requiresDatabase) struct LogStorageTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase.migrated("storage")
        connection = try database.connect()
    }

    func storage() throws -> [String] {
        let schema = try SchemaInspector.inspect(connection, schema: "public")
        return try LogStorage.tables(connection, schema: schema).map(\.qualified)
    }

    @Test func aPlainTableIsItsOwnStorageAndKeyedById() throws {
        #expect(try storage() == ["\"public\".\"IntegrationHealthLog\""])
        #expect(try SchemaInspector.inspect(connection, schema: "public").logRowKey == ["id"])
    }

    @Test func aPartitionedTableIsStoredInItsLeavesAtAnyDepth() throws {
        try LogTableShape.partitioned.apply(to: connection)
        try connection.execute(script: """
            CREATE SCHEMA archive;
            CREATE TABLE archive."IntegrationHealthLog_2026_08" PARTITION OF "IntegrationHealthLog"
                FOR VALUES FROM ('2026-08-01') TO ('2026-09-01') PARTITION BY RANGE ("checkedAt");
            CREATE TABLE archive."IntegrationHealthLog_2026_08a" PARTITION OF archive."IntegrationHealthLog_2026_08"
                FOR VALUES FROM ('2026-08-01') TO ('2026-08-16');
            """)
        let tables = try storage()
        #expect(tables.count == 7)
        #expect(tables.first == "\"archive\".\"IntegrationHealthLog_2026_08a\"", "the sub-partitioned parent holds no rows itself")
        #expect(tables.contains("\"public\".\"IntegrationHealthLog_default\""))
        #expect(!tables.contains("\"public\".\"IntegrationHealthLog\""))
        #expect(try SchemaInspector.inspect(connection, schema: "public").logRowKey == ["id", "checkedAt"])
    }

    @Test func inheritanceChildrenHoldRowsBesideTheirParent() throws {
        try connection.execute(script: """
            CREATE TABLE "IntegrationHealthLog_old" () INHERITS ("IntegrationHealthLog");
            """)
        #expect(try storage() == ["\"public\".\"IntegrationHealthLog\"", "\"public\".\"IntegrationHealthLog_old\""])
    }
}
