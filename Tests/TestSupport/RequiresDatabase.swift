import Foundation
import Testing

extension TestDatabase {
    /// The one reason every test that needs PostgreSQL gives for not running without a server.
    public static let noServerMessage =
        "no PostgreSQL server configured (PGHOST and PGPORT are unset): run scripts/test, which starts one with pg_virtualenv"

    /// Whether `environment` points at a server: `pg_virtualenv` sets `PGHOST` and `PGPORT`.
    public static func isServerConfigured(in environment: [String: String]) -> Bool {
        environment["PGHOST"] != nil || environment["PGPORT"] != nil
    }

    /// Whether tests that need PostgreSQL run: when a server is configured, and always when `CI`
    /// is set, so that a CI job without a server fails them instead of skipping them.
    public static func runsDatabaseTests(in environment: [String: String]) -> Bool {
        environment["CI"] != nil || isServerConfigured(in: environment)
    }
}

extension Trait where Self == ConditionTrait {
    /// For a suite or test that needs PostgreSQL: skipped with `TestDatabase.noServerMessage`
    /// unless `TestDatabase.runsDatabaseTests(in:)` holds for the test process's environment.
    public static var requiresDatabase: Self { requiresDatabase(in: ProcessInfo.processInfo.environment) }

    /// `requiresDatabase`, decided by `environment` instead of the test process's.
    public static func requiresDatabase(in environment: [String: String]) -> Self {
        .enabled(if: TestDatabase.runsDatabaseTests(in: environment), Comment(rawValue: TestDatabase.noServerMessage))
    }
}
