/// An error from the server or from libpq.
///
/// `description` holds only the server's primary message, the SQLSTATE and the hint: never the
/// connection string, the password, or `detail` (which can quote row contents such as error
/// messages stored in the logs table). Callers that need `detail` read it explicitly.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The connection could not be established (unreachable host, authentication, bad database).
        case connectionFailed
        /// The server rejected a statement.
        case statementFailed
        /// The connection broke while in use.
        case connectionLost
        /// A COPY exchange failed on the client side.
        case copyFailed
        /// The server answered in a way this client does not expect (a bug, or an unsupported server).
        case unexpectedResponse
        /// The statement was cancelled by the client.
        case cancelled
    }

    public var kind: Kind
    /// Five-character SQLSTATE code, when the server sent one.
    public var sqlState: String?
    /// The primary message, for example `relation "x" does not exist`.
    public var message: String
    /// The server's detail text. May quote row contents, so it is kept out of `description`.
    public var detail: String?
    public var hint: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }

    /// SQLSTATE class 28: invalid authorization (wrong password, no such role, no pg_hba.conf entry).
    /// libpq reports connection failures without a SQLSTATE, so those are recognised by message.
    public var isAuthenticationFailure: Bool {
        if sqlState?.hasPrefix("28") == true { return true }
        guard kind == .connectionFailed else { return false }
        return ["authentication failed", "no password supplied", "pg_hba.conf", "password is required"]
            .contains { message.contains($0) }
            || (message.contains("role \"") && message.contains("does not exist"))
    }

    /// libpq's own words for a connection that broke under a statement: the result can arrive
    /// before the connection's status says so.
    static func saysConnectionLost(_ message: String) -> Bool {
        ["server closed the connection unexpectedly", "no connection to the server", "could not receive data from server",
         "could not send data to server", "SSL SYSCALL error: EOF detected"].contains { message.contains($0) }
    }

    /// A connection attempt that reached a server on its way down or up (a restart): worth waiting
    /// for, unlike a wrong address.
    public var isServerRestarting: Bool {
        kind == .connectionFailed
            && (Self.saysConnectionLost(message)
                || ["the database system is shutting down", "the database system is starting up", "the database system is in recovery mode",
                    "the database system is not yet accepting connections"].contains { message.contains($0) })
    }

    /// SQLSTATE 42501: insufficient privilege.
    public var isPermissionDenied: Bool { sqlState == "42501" }

    /// Lock timeout, deadlock, serialization failure, or the server shutting down: worth retrying later.
    public var isTransient: Bool {
        guard let sqlState else { return false }
        return ["55P03", "40001", "40P01", "57P01", "57P03", "53300"].contains(sqlState)
    }

    /// The statement ran into `statement_timeout` or a client cancel.
    public var isQueryCanceled: Bool { sqlState == "57014" }
}
