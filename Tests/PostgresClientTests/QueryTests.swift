import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite(.requiresDatabase) struct QueryTests {
    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("query")
        connection = try database.connect()
    }

    static let awkwardStrings = [
        "", " ", "o'brien", "\"double\"", "back\\slash", "tab\there", "new\nline", "carriage\r\n",
        "'; DROP TABLE victims; --", "$1", "$$ dollar $$", "Robert'); DELETE FROM x;--",
        "ünïcödé", "日本語", "emoji 🙂👍🏽", "e\u{301} combining", "\u{200B}zero width", "null", "\\N",
    ]

    @Test func textParametersComeBackUnchanged() throws {
        try connection.execute(script: "CREATE TABLE victims (id int primary key, value text)")
        for (index, text) in Self.awkwardStrings.enumerated() {
            try connection.query("INSERT INTO victims VALUES ($1, $2)", [index, text])
        }
        let rows = try connection.query("SELECT value, length(value) FROM victims ORDER BY id").rows
        #expect(rows.map { $0.string(0) } == Self.awkwardStrings)
        #expect(rows.map { $0.int(1) } == Self.awkwardStrings.map { $0.unicodeScalars.count })
        #expect(try connection.query("SELECT count(*) FROM victims").first?.int(0) == Self.awkwardStrings.count)
    }

    @Test func nullParametersAreSQLNull() throws {
        let row = try #require(try connection.query(
            "SELECT $1::text IS NULL, $2::int IS NULL, $3::text, $4::text = ''", [String?.none, Int?.none, String?.none, ""]).first)
        #expect(row.bool(0) == true)
        #expect(row.bool(1) == true)
        #expect(row.isNull(2))
        #expect(row[2] == nil)
        #expect(row.bool(3) == true)
    }

    @Test func typedAccessors() throws {
        let row = try #require(try connection.query(
            "SELECT $1::int8, $2::int4, $3::float8, $4::bool, $5::bool, $6::text, NULL::int, 'abc'::text, $7::float8",
            [Int64.max, Int32.min, 0.1, true, false, "text", Double.pi]).first)
        #expect(row.count == 9)
        #expect(row.int64(0) == Int64.max)
        #expect(row.int(1) == Int(Int32.min))
        #expect(row.double(2) == 0.1)
        #expect(row.bool(3) == true)
        #expect(row.bool(4) == false)
        #expect(row.string(5) == "text")
        #expect(row.int(6) == nil && row.string(6) == nil && row.bool(6) == nil)
        #expect(row.int(7) == nil, "text that is not a number is nil, not 0")
        #expect(row.double(8) == Double.pi)
    }

    @Test func resultShape() throws {
        let result = try connection.query("SELECT g AS number, g * 2 AS twice FROM generate_series(1, 3) g")
        #expect(result.rowCount == 3)
        #expect(result.columnCount == 2)
        #expect(result.columnName(0) == "number" && result.columnName(1) == "twice")
        #expect(result.rows.map { $0.int(1) } == [2, 4, 6])
        #expect(result.commandTag == "SELECT 3")
        try connection.execute(script: "CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 5)")
        #expect(try connection.query("UPDATE t SET n = n + 1 WHERE n > $1", [2]).affectedRows == 3)
        #expect(try connection.query("SELECT 1 WHERE false").first == nil)
    }

    @Test func serverErrorsCarrySQLStateMessageDetailAndHint() throws {
        let error = try #require(throws: PostgresError.self) {
            try connection.execute(script: """
                DO $$ BEGIN
                RAISE EXCEPTION 'health check store failed'
                    USING ERRCODE = 'P0001', DETAIL = 'row holds access_token=ya29.secret', HINT = 'retry later';
                END $$
                """)
        }
        #expect(error.kind == .statementFailed)
        #expect(error.sqlState == "P0001")
        #expect(error.message == "health check store failed")
        #expect(error.detail == "row holds access_token=ya29.secret")
        #expect(error.hint == "retry later")
        #expect(error.description == "health check store failed (SQLSTATE P0001); hint: retry later")
        #expect(!error.description.contains("ya29"))
        #expect(connection.isHealthy)
    }

    @Test func constraintViolationsKeepRowValuesOutOfTheDescription() throws {
        try connection.execute(script: "CREATE TABLE tokens (token text primary key)")
        try connection.query("INSERT INTO tokens VALUES ($1)", ["refresh_token_abc123"])
        let error = try #require(throws: PostgresError.self) {
            try connection.query("INSERT INTO tokens VALUES ($1)", ["refresh_token_abc123"])
        }
        #expect(error.sqlState == "23505")
        #expect(error.detail?.contains("refresh_token_abc123") == true)
        #expect(!error.description.contains("refresh_token_abc123"))
        #expect(!error.isTransient && !error.isPermissionDenied && !error.isAuthenticationFailure)
    }

    @Test func syntaxErrorsAndMissingTables() throws {
        let missing = try #require(throws: PostgresError.self) { try connection.query("SELECT * FROM nowhere") }
        #expect(missing.sqlState == "42P01")
        #expect(missing.message == "relation \"nowhere\" does not exist")
        let syntax = try #require(throws: PostgresError.self) { try connection.query("SELEKT 1") }
        #expect(syntax.sqlState == "42601")
        #expect(try connection.query("SELECT 1").first?.int(0) == 1)
    }

    @Test func statementTimeoutIsACancelledQuery() throws {
        try connection.set("statement_timeout", "50ms")
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT pg_sleep(5)") }
        #expect(error.sqlState == "57014")
        #expect(error.kind == .cancelled)
        #expect(error.isQueryCanceled)
        try connection.set("statement_timeout", "0")
        #expect(try connection.query("SHOW statement_timeout").first?.string(0) == "0")
    }

    @Test func settingsAreSessionOrTransactionLocal() throws {
        try connection.set("application_name", "session-name")
        try connection.transaction {
            try connection.set("application_name", "local-name", local: true)
            #expect(try connection.query("SHOW application_name").first?.string(0) == "local-name")
        }
        #expect(try connection.query("SHOW application_name").first?.string(0) == "session-name")
        #expect(connection.parameterStatus("application_name") == "session-name")
        #expect(connection.parameterStatus("TimeZone") == "UTC")
    }

    @Test func transactionsCommitAndRollBack() throws {
        struct Abort: Error {}
        try connection.execute(script: "CREATE TABLE ledger (n int)")
        let value = try connection.transaction {
            try connection.query("INSERT INTO ledger VALUES (1)")
            #expect(connection.inTransaction)
            return 42
        }
        #expect(value == 42)
        #expect(!connection.inTransaction)
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.query("INSERT INTO ledger VALUES (2)")
                throw Abort()
            }
        }
        #expect(!connection.inTransaction)
        #expect(try connection.query("SELECT array_agg(n)::text FROM ledger").first?.string(0) == "{1}")
    }

    @Test func aSwallowedFailureInsideATransactionIsNotReportedAsCommitted() throws {
        try connection.execute(script: "CREATE TABLE ledger (n int primary key)")
        let error = try #require(throws: PostgresError.self) {
            try connection.transaction {
                try connection.query("INSERT INTO ledger VALUES (1)")
                _ = try? connection.query("INSERT INTO ledger VALUES (1)")  // fails; the caller ignores it
                _ = try? connection.query("SELECT 1")  // fails too: the transaction is aborted
            }
        }
        #expect(error.sqlState == "25P02")
        #expect(!connection.inTransaction)
        #expect(try connection.query("SELECT count(*) FROM ledger").first?.int(0) == 0)
    }

    @Test func identifiersAreQuoted() throws {
        #expect(quoteIdentifier("IntegrationHealthLog") == "\"IntegrationHealthLog\"")
        #expect(quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
        #expect(qualifiedName(schema: "tenant a", "Integration") == "\"tenant a\".\"Integration\"")
        let name = "Odd \"name\"; DROP TABLE x"
        try connection.execute(script: "CREATE TABLE \(quoteIdentifier(name)) (n int)")
        let found = try connection.query("SELECT relname FROM pg_class WHERE relname = $1", [name])
        #expect(found.rowCount == 1)
    }

    @Test func connectionDescribesItself() throws {
        #expect(connection.databaseName == database.name)
        #expect(connection.serverVersionNumber >= 120_000)
        #expect(connection.serverVersion.hasPrefix("\(connection.serverVersionNumber / 10000)."))
        #expect(connection.backendPID > 0)
        #expect(connection.isHealthy)
    }

    @Test func aWrongPasswordFailsWithoutShowingIt() throws {
        let secret = "Sup3r-Secret-Pa55word"
        let environment = ProcessInfo.processInfo.environment
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(parameters: [
                (key: "host", value: environment["PGHOST"] ?? "localhost"),
                (key: "port", value: environment["PGPORT"] ?? "5432"),
                (key: "user", value: environment["PGUSER"] ?? "postgres"),
                (key: "password", value: secret),
                (key: "dbname", value: database.name),
            ])
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.isAuthenticationFailure)
        #expect(error.message.contains("password authentication failed"))
        for text in [error.description, error.message, String(describing: error), String(reflecting: error)] {
            #expect(!text.contains(secret))
        }
    }

    @Test func anUnknownRoleIsAnAuthenticationFailure() throws {
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(parameters: [(key: "user", value: "no_such_role_here"), (key: "dbname", value: database.name)])
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.isAuthenticationFailure)
    }
}
