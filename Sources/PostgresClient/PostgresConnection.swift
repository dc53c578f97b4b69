import CLibPQ
import Foundation

/// One libpq connection. Owns its `PGconn` and closes it when released.
///
/// Not thread-safe: use a connection from one task at a time. Open several connections for
/// parallel work.
public final class PostgresConnection {
    let handle: OpaquePointer

    /// Connects with libpq keyword/value parameters (`host`, `port`, `user`, `password`,
    /// `dbname`, `sslmode`, ...). Anything not given falls back to libpq's environment
    /// (`PGHOST`, `PGPASSWORD`, `~/.pgpass`, ...).
    public init(parameters: [(key: String, value: String)]) throws(PostgresError) {
        let keys = parameters.map { strdup($0.key) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        // Both arrays end with a nil terminator, so their buffers are never empty.
        let connection: OpaquePointer? = keys.withUnsafeBufferPointer { keyBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                keyBuffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: keys.count) { k in
                    valueBuffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: values.count) { v in
                        PQconnectdbParams(k, v, 0)
                    }
                }
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connectionFailed, message: "out of memory while connecting")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.connectionMessage(connection)
            PQfinish(connection)
            throw PostgresError(kind: .connectionFailed, sqlState: nil, message: message)
        }
        handle = connection
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit {
        PQfinish(handle)
    }

    /// libpq's message for a failed connection, trimmed to its last meaningful line.
    private static func connectionMessage(_ connection: OpaquePointer) -> String {
        let raw = String(cString: PQerrorMessage(connection))
        return raw.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
    }

    /// The server version as `major.minor`, e.g. `15.18`.
    public var serverVersion: String {
        let number = Int(PQserverVersion(handle))
        return "\(number / 10000).\(number % 10000)"
    }

    public var serverVersionNumber: Int { Int(PQserverVersion(handle)) }

    /// A run-time parameter reported by the server (`server_version`, `TimeZone`, ...).
    public func parameterStatus(_ name: String) -> String? {
        guard let value = PQparameterStatus(handle, name) else { return nil }
        return String(cString: value)
    }

    public var databaseName: String { String(cString: PQdb(handle)) }
    public var userName: String { String(cString: PQuser(handle)) }
    public var hostName: String { PQhost(handle).map { String(cString: $0) } ?? "" }
    public var port: String { PQport(handle).map { String(cString: $0) } ?? "" }

    /// The backend process id, for `pg_cancel_backend` or diagnostics.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// A handle that can cancel the statement this connection is running, from another thread.
    public func makeCancelHandle() -> CancelHandle? {
        guard let cancel = PQgetCancel(handle) else { return nil }
        return CancelHandle(cancel)
    }

    // MARK: Queries

    /// Runs one statement with text parameters and returns its whole result.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresParameter] = []) throws(PostgresError) -> QueryResult {
        let result = withParameters(parameters) { count, values in
            PQexecParams(handle, sql, count, nil, values, nil, nil, 0)
        }
        return try QueryResult.checked(result, connection: self)
    }

    /// Runs statements without parameters (several may be separated by `;`). For schema scripts.
    public func execute(script sql: String) throws(PostgresError) {
        _ = try QueryResult.checked(PQexec(handle, sql), connection: self)
    }

    /// Streams the rows of a query one at a time (libpq single-row mode), so a large result is
    /// never held in memory.
    ///
    /// The `Row` handed to `body` is valid only during that call. If `body` throws, the statement
    /// is cancelled, the rest of the result is discarded and the error is rethrown; the connection
    /// stays usable. Inside a transaction the cancel may abort the transaction.
    public func forEachRow(
        _ sql: String, _ parameters: [any PostgresParameter] = [], _ body: (Row) throws -> Void
    ) throws {
        let sent = withParameters(parameters) { count, values in
            PQsendQueryParams(handle, sql, count, nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw lastError(kind: .connectionLost) }
        var failure: (any Error)?
        if PQsetSingleRowMode(handle) != 1 { failure = lastError(kind: .unexpectedResponse) }
        while failure == nil, let raw = PQgetResult(handle) {
            defer { PQclear(raw) }
            switch PQresultStatus(raw) {
            case PGRES_SINGLE_TUPLE:
                do {
                    try body(Row(result: raw, index: 0))
                } catch {
                    failure = error
                    makeCancelHandle()?.cancel()
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                break
            case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
                failure = PostgresError(kind: .unexpectedResponse, message: "forEachRow cannot run COPY; use copyOut or copyIn")
            default:
                failure = QueryResult.error(from: raw, connection: self)
            }
        }
        let remaining = finishCommand()
        if let failure { throw failure }
        if let error = remaining.error { throw error }
    }

    /// How a transaction begins.
    public enum TransactionMode: String, Sendable {
        case readWrite = "BEGIN"
        /// One snapshot for the whole transaction, no writes: what a report reads with.
        case repeatableReadOnly = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        /// One snapshot for reading, with writes: a job that writes what it computed from what it read.
        case repeatableReadWrite = "BEGIN ISOLATION LEVEL REPEATABLE READ"
    }

    /// Runs `body` inside a transaction: `COMMIT` after it (or `ROLLBACK` when `commit` is false,
    /// for a dry run), `ROLLBACK` when it throws.
    ///
    /// A statement that failed inside `body` while `body` went on (its error caught) makes the
    /// server turn `COMMIT` into a rollback; that is reported as an error (SQLSTATE 25P02) rather
    /// than as success. Transactions do not nest: call it on a connection with no open transaction.
    public func transaction<T>(_ mode: TransactionMode = .readWrite, commit: Bool = true, _ body: () throws -> T) throws -> T {
        try query(mode.rawValue)
        let value: T
        do {
            value = try body()
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
        guard commit else {
            try query("ROLLBACK")
            return value
        }
        let end = try query("COMMIT")
        guard end.commandTag == "COMMIT" else {
            throw PostgresError(
                kind: .statementFailed, sqlState: "25P02",
                message: "the transaction was rolled back at COMMIT because a statement in it had failed")
        }
        return value
    }

    /// Sets a run-time setting for the session (`is_local: false`) or the current transaction.
    public func set(_ name: String, _ value: String, local: Bool = false) throws(PostgresError) {
        try query("SELECT set_config($1, $2, $3)", [name, value, local])
    }

    /// True while a transaction is open (or failed and not yet rolled back).
    public var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    // MARK: Helpers

    func withParameters<R>(
        _ parameters: [any PostgresParameter],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        let strings = parameters.map { $0.postgresText.map { strdup($0) } ?? nil }
        defer { strings.forEach { free($0) } }
        let pointers = strings.map { UnsafePointer<CChar>($0) }
        return pointers.withUnsafeBufferPointer { buffer in
            body(Int32(parameters.count), buffer.baseAddress)
        }
    }

    /// Reads every remaining result of the command in flight, so the connection is ready for the
    /// next one. Returns the row count of the last completed statement and the first error.
    /// A COPY the caller did not expect is ended (COPY IN) or its data discarded (COPY OUT).
    func finishCommand() -> (rows: Int, error: PostgresError?) {
        var rows = 0
        var firstError: PostgresError?
        func note(_ error: PostgresError) { if firstError == nil { firstError = error } }
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                rows = Int(String(cString: PQcmdTuples(result))) ?? rows
            case PGRES_SINGLE_TUPLE, PGRES_EMPTY_QUERY:
                break
            case PGRES_COPY_IN:
                note(PostgresError(kind: .unexpectedResponse, message: "the server unexpectedly started COPY FROM STDIN"))
                if PQputCopyEnd(handle, "unexpected COPY FROM STDIN") != 1 { note(lastError(kind: .copyFailed)) }
            case PGRES_COPY_OUT, PGRES_COPY_BOTH:
                note(PostgresError(kind: .unexpectedResponse, message: "the server unexpectedly started COPY TO STDOUT"))
                discardCopyData()
            default:
                note(QueryResult.error(from: result, connection: self))
            }
        }
        return (rows, firstError)
    }

    /// Reads and drops COPY TO STDOUT data until the server ends it (or the connection breaks).
    func discardCopyData() {
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if let buffer { PQfreemem(buffer) }
            if length < 0 { return }
        }
    }

    func lastError(kind: PostgresError.Kind) -> PostgresError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        let lost = kind != .connectionFailed && (PQstatus(handle) != CONNECTION_OK || PostgresError.saysConnectionLost(message))
        return PostgresError(kind: lost ? .connectionLost : kind, message: message.isEmpty ? "unknown libpq error" : message)
    }
}

/// Cancels the running statement of a connection; safe to use from a signal-handling thread.
public final class CancelHandle: @unchecked Sendable {
    private let cancelPointer: OpaquePointer

    init(_ pointer: OpaquePointer) { cancelPointer = pointer }

    deinit { PQfreeCancel(cancelPointer) }

    /// Asks the server to cancel the current statement. Returns false when the request could not be sent.
    @discardableResult
    public func cancel() -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(cancelPointer, &buffer, Int32(buffer.count)) == 1
    }
}
