import Foundation
import HealthctlCore
import TestSupport
import Testing
import PostgresClient

@Suite struct ConnectionTargetResolutionTests {
    /// A working directory holding `.env` with `contents` (none when nil), removed afterwards.
    final class WorkingDirectory {
        let path: String

        init(dotEnv contents: String?) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-env-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            if let contents { try contents.write(toFile: path + "/.env", atomically: true, encoding: .utf8) }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func host(_ target: ConnectionTarget) -> String? {
        target.url.libpqParameters.first { $0.key == "host" }?.value
    }

    @Test func theFlagComesFirst() throws {
        let directory = try WorkingDirectory(dotEnv: "DATABASE_URL=postgresql://dotenv/db\n")
        let target = try ConnectionTarget.resolve(
            flag: "postgresql://flag/db?schema=s1", environment: ["DATABASE_URL": "postgresql://env/db"],
            workingDirectory: directory.path)
        #expect(target.source == .flag)
        #expect(host(target) == "flag")
        #expect(target.schema == "s1")
    }

    @Test func thenDATABASE_URLInTheEnvironment() throws {
        let directory = try WorkingDirectory(dotEnv: "DATABASE_URL=postgresql://dotenv/db\n")
        for flag in [nil, ""] {
            let target = try ConnectionTarget.resolve(
                flag: flag, environment: ["DATABASE_URL": "postgresql://env/db"], workingDirectory: directory.path)
            #expect(target.source == .environment)
            #expect(host(target) == "env")
        }
    }

    @Test func thenTheDotEnvFileInTheWorkingDirectory() throws {
        let directory = try WorkingDirectory(dotEnv: """
            # written by prisma init
            DB_HOST=dotenv
            DATABASE_URL="postgresql://app:pw@${DB_HOST}:6543/app?schema=tenant_a&connection_limit=5"
            """)
        for environment in [[:], ["DATABASE_URL": ""]] {
            let target = try ConnectionTarget.resolve(flag: nil, environment: environment, workingDirectory: directory.path)
            #expect(target.source == .dotEnvFile)
            #expect(host(target) == "dotenv")
            #expect(target.schema == "tenant_a")
            #expect(target.url.removedParameters == ["schema", "connection_limit"])
        }
        let fromEnvironment = try ConnectionTarget.resolve(flag: nil, environment: ["DB_HOST": "elsewhere"], workingDirectory: directory.path)
        #expect(host(fromEnvironment) == "elsewhere")
    }

    @Test func thenLibpqsOwnEnvironment() throws {
        for contents in [nil, "OTHER=1\n", "DATABASE_URL=\n"] {
            let directory = try WorkingDirectory(dotEnv: contents)
            let target = try ConnectionTarget.resolve(flag: nil, environment: ["PGHOST": "pg"], workingDirectory: directory.path)
            #expect(target.source == .libpqEnvironment)
            #expect(target.url.libpqParameters.isEmpty)
            #expect(target.schema == "public")
        }
        let directory = try WorkingDirectory(dotEnv: nil)
        let withSchema = try ConnectionTarget.resolve(flag: nil, environment: ["HEALTHCTL_SCHEMA": "tenant_b"], workingDirectory: directory.path)
        #expect(withSchema.schema == "tenant_b")
    }

    @Test func aBadURLFromAnySourceIsAnError() throws {
        let directory = try WorkingDirectory(dotEnv: "DATABASE_URL=mysql://x\n")
        #expect(throws: DatabaseURLError.unsupportedScheme("mysql")) {
            try ConnectionTarget.resolve(flag: nil, environment: [:], workingDirectory: directory.path)
        }
        #expect(throws: DatabaseURLError.notAURL) {
            try ConnectionTarget.resolve(flag: "localhost", environment: [:], workingDirectory: directory.path)
        }
    }
}

@Suite struct SessionParameterTests {
    func parameters(_ url: String, environment: [String: String] = [:], timeout: Int = 10) throws -> [String] {
        let target = ConnectionTarget(url: try DatabaseURL(parsing: url), source: .flag, connectTimeoutSeconds: timeout)
        return target.sessionParameters(environment: environment).map { "\($0.key)=\($0.value)" }
    }

    @Test func sessionSettingsAreAdded() throws {
        #expect(try parameters("postgresql://h/db", timeout: 4) == [
            "host=h", "dbname=db", "connect_timeout=4", "application_name=healthctl", "client_encoding=UTF8",
            "options=-c TimeZone=UTC -c lock_timeout=10000",
        ])
    }

    @Test func theURLsOwnSettingsAreKept() throws {
        #expect(try parameters("postgresql://h/db?application_name=dashboard&connect_timeout=3&options=-c%20search_path%3Dapp") == [
            "host=h", "dbname=db", "application_name=dashboard", "connect_timeout=3", "options=-c search_path=app -c TimeZone=UTC -c lock_timeout=10000",
            "client_encoding=UTF8",
        ])
    }

    @Test func utcIsAddedAfterPGOPTIONSInsteadOfHidingThem() throws {
        let result = try parameters("postgresql:///db", environment: ["PGOPTIONS": "-c work_mem=64MB "])
        #expect(result.last == "options=-c work_mem=64MB -c TimeZone=UTC -c lock_timeout=10000")
        let urlWins = try parameters("postgresql:///db?options=-c%20jit%3Doff", environment: ["PGOPTIONS": "-c work_mem=64MB"])
        #expect(urlWins.contains("options=-c jit=off -c TimeZone=UTC -c lock_timeout=10000"))
    }

    @Test func aLockTimeoutOfTheUsersOwnIsKept() throws {
        #expect(try parameters("postgresql:///db", environment: ["PGOPTIONS": "-c lock_timeout=2s"]).last == "options=-c lock_timeout=2s -c TimeZone=UTC")
        var target = ConnectionTarget(url: try DatabaseURL(parsing: "postgresql:///db"), source: .flag)
        target.lockTimeoutMilliseconds = 250
        #expect(target.sessionParameters(environment: [:]).last.map { "\($0.key)=\($0.value)" } == "options=-c TimeZone=UTC -c lock_timeout=250")
    }

    @Test func theClientEncodingIsAlwaysUTF8() throws {
        let result = try parameters("postgresql:///db?client_encoding=LATIN1")
        #expect(result.filter { $0.hasPrefix("client_encoding=") } == ["client_encoding=UTF8"])
    }
}

@Suite(.requiresDatabase) struct ConnectTests {
    let database: TestDatabase

    init() throws { database = try TestDatabase("connect") }

    @Test func everySessionIsUTCAndNamed() throws {
        let target = ConnectionTarget(url: try DatabaseURL(parsing: database.url(schema: "public")), source: .flag)
        let connection = try target.connect()
        let row = try #require(try connection.query(
            "SELECT current_setting('TimeZone'), current_setting('application_name'), current_setting('client_encoding'), current_database()").first)
        #expect(row.string(0) == "UTC")
        #expect(row.string(1) == "healthctl")
        #expect(row.string(2) == "UTF8")
        #expect(row.string(3) == database.name)
    }

    @Test func theURLsApplicationNameIsKept() throws {
        let target = ConnectionTarget(url: try DatabaseURL(parsing: database.url + "?application_name=dashboard-batch"), source: .flag)
        #expect(try target.connect().query("SHOW application_name").first?.string(0) == "dashboard-batch")
    }

    @Test func aWrongPasswordIsAPermissionFailureThatNeverShowsIt() throws {
        let secret = "Wr0ng-Pa55-%@:/?"
        let target = ConnectionTarget(url: try DatabaseURL(parsing: database.url(password: secret)), source: .flag)
        let error = try #require(throws: DatabaseError.self) { try target.connect() }
        #expect(error.category == .permission)
        #expect(error.description.hasPrefix("connecting to the database failed: "))
        #expect(error.description.contains("password authentication failed"))
        #expect(error.description.contains("check the user and password"))
        #expect(!error.description.contains("Wr0ng"))
    }
}

/// The tests of connecting that need no server.
@Suite struct ConnectOfflineTests {
    @Test func aClosedPortIsUnavailable() throws {
        let target = ConnectionTarget(url: try DatabaseURL(parsing: "postgresql://u:pw@127.0.0.1:1/db"), source: .flag, connectTimeoutSeconds: 5)
        let error = try #require(throws: DatabaseError.self) { try target.connect() }
        #expect(error.category == .unavailable)
        #expect(error.underlying.kind == .connectionFailed)
    }
}

extension ConnectTests {
    @Test func aMissingDatabaseIsAConfigurationProblem() throws {
        let target = ConnectionTarget(url: try DatabaseURL(parsing: "postgresql:///\(database.name)_missing"), source: .flag)
        let error = try #require(throws: DatabaseError.self) { try target.connect() }
        #expect(error.category == .configuration)
        #expect(error.description.contains("does not exist"))
    }
}
