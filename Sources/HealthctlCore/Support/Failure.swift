import Gzip
import PostgresClient

/// What kind of failure an error is; the executable maps each to a sysexits code.
public enum FailureCategory: String, Sendable, Equatable {
    /// Bad flags or arguments (64).
    case usage
    /// Input data is malformed, such as a corrupt archive (65).
    case dataError
    /// The database cannot be reached (69).
    case unavailable
    /// An output or archive file cannot be written (73).
    case cannotWrite
    /// Worth retrying later: a lock held by another run, a lock timeout, a serialization failure (75).
    case temporary
    /// Authentication failed or a permission is missing (77).
    case permission
    /// The configuration or schema is wrong: migration 005 missing, unsupported column types (78).
    case configuration
    /// A bug or an unexpected server answer (70).
    case internalError
}

/// An error that knows its category and has a one-line message fit for a person:
/// what failed, why, and what to do.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: FailureCategory { get }
}

extension DatabaseURLError: CategorizedError {
    public var category: FailureCategory { .usage }
}

extension GzipError: CategorizedError {
    /// Damaged or unreadable archives are bad data (65); failing to write or sync one is 73.
    public var category: FailureCategory {
        switch self {
        case .corruptMember, .truncated, .trailingGarbage: return .dataError
        case let .system(operation, _): return operation == "read" ? .dataError : .cannotWrite
        case .zlib: return .internalError
        }
    }
}

/// A database failure, with what healthctl was doing when it happened.
public struct DatabaseError: CategorizedError, Sendable {
    public var underlying: PostgresError
    /// What was being done, e.g. "connecting to the database" or "deleting archived rows".
    public var operation: String
    /// The connection had no settings at all (libpq's defaults were tried).
    public var withoutSettings = false

    public init(_ underlying: PostgresError, operation: String) {
        self.underlying = underlying
        self.operation = operation
    }

    init(connecting error: PostgresError) {
        self.init(error, operation: "connecting to the database")
    }

    public var category: FailureCategory {
        if withoutSettings { return .configuration }
        if underlying.isAuthenticationFailure || underlying.isPermissionDenied { return .permission }
        if underlying.kind == .connectionFailed {
            // A missing database is a configuration problem, not an outage.
            if underlying.message.contains("does not exist") { return .configuration }
            return .unavailable
        }
        if underlying.kind == .connectionLost { return .unavailable }
        if underlying.isTransient || underlying.isQueryCanceled { return .temporary }
        if let state = underlying.sqlState, state.hasPrefix("42") { return .configuration }
        return .internalError
    }

    /// The server's message is redacted: messages such as `invalid input syntax for type
    /// integer: "..."` quote the data, which can be an error message holding a token.
    public var description: String {
        if withoutSettings {
            return "no database connection settings found: no --database-url, no DATABASE_URL in the environment or in ./.env, "
                + "no database.url in a settings file (--config, ./healthctl.toml, /etc/healthctl/healthctl.toml), and none of "
                + ConnectionTarget.libpqVariables.joined(separator: ", ")
                + " set. Give --database-url postgresql://user:password@host:5432/database, or set DATABASE_URL "
                + "(postgresql:///database for the local socket)"
        }
        var text = "\(operation) failed: \(Redactor.redact(underlying.description))"
        switch category {
        case .permission where underlying.isAuthenticationFailure:
            text += " (check the user and password in DATABASE_URL, PGPASSWORD or ~/.pgpass)"
        case .permission:
            text += " (grant the healthctl role the privilege, or run as the table owner)"
        case .unavailable where underlying.isServerRestarting:
            text += " (the server is restarting or shutting down; run again once it is back)"
        case .unavailable where underlying.kind == .connectionLost:
            text += " (\(Self.lostConnectionCause(underlying.sqlState)); run again once the server is back)"
        case .unavailable:
            text += " (is the server running and reachable? check host and port)"
        case .temporary:
            text += " (\(Self.temporaryCause(underlying.sqlState)); run again later)"
        default:
            break
        }
        return text
    }
}

extension DatabaseError {
    /// Why a session ended, by the SQLSTATE of the server's last message, for the hint.
    static func lostConnectionCause(_ sqlState: String?) -> String {
        switch sqlState {
        case "57P01": return temporaryCause(sqlState)
        case "57P02": return "the server restarted after a crash of one of its processes"
        case "57P03": return temporaryCause(sqlState)
        default: return "the connection to the server was lost: a server restart, a failover or the network"
        }
    }

    /// What a temporary failure's SQLSTATE says happened, for the hint.
    static func temporaryCause(_ sqlState: String?) -> String {
        switch sqlState {
        case "55P03": return "a lock was not granted within lock_timeout: another session holds it"
        case "57014": return "the statement was cancelled: statement_timeout, or an operator cancelled it"
        case "40001": return "a serialization failure, or a standby's recovery conflict"
        case "40P01": return "a deadlock with another session"
        case "57P01": return "the server terminated the session: an administrator (pg_terminate_backend) or a shutdown"
        case "57P03": return "the server is starting up or shutting down"
        case "53300": return "the server has no free connection slot"
        default: return "a temporary condition on the server"
        }
    }
}

extension PostgresError {
    /// Wraps the error with what healthctl was doing.
    public func during(_ operation: String) -> DatabaseError { DatabaseError(self, operation: operation) }
}

/// Runs a database step, wrapping a `PostgresError` with what was being done.
public func databaseStep<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as PostgresError {
        throw error.during(operation)
    }
}

/// Bad flags or arguments found after parsing (exit 64), such as a window whose start is after its end.
public struct UsageError: CategorizedError, Equatable {
    public var description: String
    public var category: FailureCategory { .usage }
    public init(_ description: String) { self.description = description }
}
