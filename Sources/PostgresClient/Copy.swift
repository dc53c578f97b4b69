import CLibPQ

extension PostgresConnection {
    /// Runs a `COPY ... TO STDOUT` statement and hands each chunk of output to `body` as it
    /// arrives. Returns the number of rows the server reports.
    ///
    /// Chunks are whole rows in text format (libpq hands out one row per chunk). If `body` throws,
    /// the COPY is cancelled and the error rethrown once the connection is ready again.
    /// PostgreSQL does not accept parameters in COPY; `parameters` must be empty for it to succeed.
    @discardableResult
    public func copyOut(
        _ sql: String, _ parameters: [any PostgresParameter] = [], _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        try startCopy(
            withParameters(parameters) { count, values in PQexecParams(handle, sql, count, nil, values, nil, nil, 0) },
            expecting: PGRES_COPY_OUT)
        var failure: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            guard length >= 0, let buffer else {
                // -1: the COPY is done; -2: libpq failed (the error result follows).
                if length == -2 { failure = failure ?? lastError(kind: .copyFailed) }
                if let buffer { PQfreemem(buffer) }
                break
            }
            defer { PQfreemem(buffer) }
            guard failure == nil else { continue }
            do {
                try body(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
            } catch {
                failure = error
                makeCancelHandle()?.cancel()
            }
        }
        let finished = finishCommand()
        try throwPreferringServerError(failure, finished.error)
        return finished.rows
    }

    /// Runs a `COPY ... FROM STDIN` statement; `body` writes the data through the given writer.
    /// Returns the number of rows loaded. If `body` throws, the COPY is aborted, nothing is
    /// loaded, and the error is rethrown. Bad data surfaces as the server's error (with SQLSTATE).
    @discardableResult
    public func copyIn(_ sql: String, _ body: (CopyInWriter) throws -> Void) throws -> Int {
        try startCopy(PQexec(handle, sql), expecting: PGRES_COPY_IN)
        let writer = CopyInWriter(connection: self)
        var failure: (any Error)?
        do {
            try body(writer)
            try writer.flush()
        } catch {
            failure = error
        }
        let ended = failure == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "aborted by client")
        if ended != 1, failure == nil { failure = lastError(kind: .copyFailed) }
        let finished = finishCommand()
        try throwPreferringServerError(failure, finished.error)
        return finished.rows
    }

    /// Checks that a statement started a COPY in the expected direction. A COPY in the other
    /// direction is ended before throwing, so the connection stays usable.
    private func startCopy(_ result: OpaquePointer?, expecting status: ExecStatusType) throws(PostgresError) {
        guard let result else { throw lastError(kind: .connectionLost) }
        let actual = PQresultStatus(result)
        if actual == status {
            PQclear(result)
            return
        }
        let error: PostgresError
        if actual == PGRES_FATAL_ERROR || actual == PGRES_NONFATAL_ERROR {
            error = QueryResult.error(from: result, connection: self)
        } else {
            let expected = status == PGRES_COPY_OUT ? "COPY ... TO STDOUT" : "COPY ... FROM STDIN"
            error = PostgresError(kind: .unexpectedResponse, message: "statement is not \(expected)")
        }
        PQclear(result)
        if actual == PGRES_COPY_IN {
            _ = PQputCopyEnd(handle, "wrong COPY direction")
        } else if actual == PGRES_COPY_OUT {
            discardCopyData()
        }
        _ = finishCommand()
        throw error
    }

    /// The caller's own error wins; a libpq failure on our side is replaced by the server's error,
    /// which says what was wrong (for example bad data in line 12, with its SQLSTATE).
    private func throwPreferringServerError(_ failure: (any Error)?, _ serverError: PostgresError?) throws {
        if let serverError, let ours = failure as? PostgresError, ours.kind == .copyFailed { throw serverError }
        if let failure { throw failure }
        if let serverError { throw serverError }
    }
}

/// Buffers COPY data and sends it in large chunks.
public final class CopyInWriter {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private let chunkSize = 1 << 18

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(chunkSize)
    }

    public func write(_ text: String) throws(PostgresError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= chunkSize { try flush() }
    }

    public func write(bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= chunkSize { try flush() }
    }

    func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(connection.handle, chars.baseAddress, Int32(chars.count))
            }
        }
        guard sent == 1 else { throw connection.lastError(kind: .copyFailed) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Escaping for PostgreSQL's COPY text format.
public enum CopyText {
    /// `\N`, the text-format NULL.
    public static let null = "\\N"

    /// Escapes backslash, tab, newline and carriage return for a COPY text field.
    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func field(_ value: String?) -> String { value.map(escape) ?? null }
}
