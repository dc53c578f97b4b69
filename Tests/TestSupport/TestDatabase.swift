import Foundation
import PostgresClient

/// A database of its own for one test suite, on the server `pg_virtualenv` started (found
/// through the `PG*` variables). Dropped when released.
public final class TestDatabase: @unchecked Sendable {
    public let name: String

    /// Creates `healthctl_<prefix>_<random>`.
    public init(_ prefix: String) throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        name = "healthctl_\(prefix.lowercased())_\(suffix)"
        let admin = try Self.adminConnection()
        try admin.query("CREATE DATABASE \(quoteIdentifier(name))")
    }

    deinit {
        guard let admin = try? Self.adminConnection() else { return }
        _ = try? admin.query("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
    }

    /// `postgresql:///<name>`: host, port, user and password come from the `PG*` environment.
    public var url: String { "postgresql:///\(name)" }

    /// The URL with an explicit schema, as Prisma writes it.
    public func url(schema: String) -> String { "\(url)?schema=\(schema)&connection_limit=5" }

    /// A full URL as a Prisma app has it: user, `password` (percent-encoded here), host and port
    /// spelled out from the `PG*` environment, plus `query` (without `?`). For wrong-password tests.
    public func url(password: String, query: String = "") -> String {
        let environment = ProcessInfo.processInfo.environment
        let user = environment["PGUSER"] ?? NSUserName()
        let host = environment["PGHOST"] ?? "localhost"
        let port = environment["PGPORT"] ?? "5432"
        let allowed = CharacterSet.alphanumerics
        let encodedPassword = password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password
        // A socket directory cannot go in the authority; libpq takes it as ?host=.
        let (authorityHost, hostQuery) = host.hasPrefix("/") ? ("", "host=\(host)") : (host, "")
        let parameters = [hostQuery, query].filter { !$0.isEmpty }.joined(separator: "&")
        return "postgresql://\(user):\(encodedPassword)@\(authorityHost):\(port)/\(name)" + (parameters.isEmpty ? "" : "?" + parameters)
    }

    public func connect() throws -> PostgresConnection {
        try PostgresConnection(parameters: [(key: "dbname", value: name), (key: "options", value: "-c TimeZone=UTC")])
    }

    /// A session of the application's (not healthctl's) inside an open transaction: what a
    /// job's governor counts as busy until it commits.
    public func busySession() throws -> PostgresConnection {
        let connection = try connect()
        try connection.query("BEGIN")
        try connection.query("SELECT 1")
        return connection
    }

    static func adminConnection() throws -> PostgresConnection {
        guard isServerConfigured(in: ProcessInfo.processInfo.environment) else { throw TestEnvironmentError.noServer }
        return try PostgresConnection(parameters: [])
    }
}

public enum TestEnvironmentError: Error, CustomStringConvertible {
    case noServer
    case binaryNotFound(String)
    case toolNotFound(String)
    case setupFailed(String)

    public var description: String {
        switch self {
        case .noServer:
            return TestDatabase.noServerMessage
        case let .binaryNotFound(path):
            return "healthctl binary not found at \(path): build it first (swift build)"
        case let .toolNotFound(name):
            return "\(name) is not installed: run scripts/install-deps"
        case let .setupFailed(stderr):
            return "setting up the test database failed: \(stderr)"
        }
    }
}
