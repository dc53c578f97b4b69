import TestSupport
import Testing

/// When the tests that need PostgreSQL run: with a server, or under CI whether or not one is there.
@Suite struct RequiresDatabaseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var environment: [String: String]
        /// Whether `TestDatabase` tries to connect.
        var server: Bool
        /// Whether the tests that need PostgreSQL run.
        var runs: Bool
        var testDescription: String { environment.isEmpty ? "empty environment" : environment.keys.sorted().joined(separator: "+") }
    }

    static let cases: [Case] = [
        Case(environment: [:], server: false, runs: false),
        Case(environment: ["PGDATABASE": "app", "PGUSER": "postgres", "DATABASE_URL": "postgresql:///app"], server: false, runs: false),
        Case(environment: ["PGHOST": "/tmp/pg_virtualenv.1234"], server: true, runs: true),
        Case(environment: ["PGPORT": "5433"], server: true, runs: true),
        Case(environment: ["PGHOST": "localhost", "PGPORT": "5432"], server: true, runs: true),
        Case(environment: ["CI": "true"], server: false, runs: true),
        Case(environment: ["CI": "true", "PGHOST": "localhost", "PGPORT": "5432"], server: true, runs: true),
    ]

    @Test(arguments: cases)
    func theConditionFollowsTheEnvironment(_ item: Case) async throws {
        #expect(TestDatabase.isServerConfigured(in: item.environment) == item.server)
        #expect(TestDatabase.runsDatabaseTests(in: item.environment) == item.runs)
        #expect(try await ConditionTrait.requiresDatabase(in: item.environment).evaluate() == item.runs)
    }

    @Test func aSkipAndAMissingServerUnderCIGiveTheOneMessage() {
        #expect(ConditionTrait.requiresDatabase(in: [:]).comments.map(\.rawValue) == [TestDatabase.noServerMessage])
        #expect(TestEnvironmentError.noServer.description == TestDatabase.noServerMessage)
        #expect(TestDatabase.noServerMessage.contains("scripts/test"))
    }
}
