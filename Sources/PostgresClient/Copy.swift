import CLibPQ
import Foundation

extension PostgresConnection {
    /// Runs a `COPY ... TO STDOUT` statement and hands each chunk of output to `body` as it
    /// arrives. Returns the number of rows the server reports.
    ///
    /// If `body` throws, the COPY is cancelled and the error rethrown once the connection is
    /// ready again.
    @discardableResult
    public func copyOut(
        _ sql: String, _ parameters: [any PostgresParameter] = [], _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        let started = try QueryResult.checkedCopy(
            withParameters(parameters) { count, values in PQexecParams(handle, sql, count, nil, values, nil, nil, 0) },
            expecting: PGRES_COPY_OUT, connection: self)
        _ = started
        var failure: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                if failure == nil {
                    do {
                        try body(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    } catch {
                        failure = error
                        makeCancelHandle()?.cancel()
                    }
                }
            } else if length == -1 {
                break
            } else {
                throw lastError(kind: .copyFailed)
            }
        }
        var rows = 0
        var serverError: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if serverError == nil {
                serverError = QueryResult.error(from: result, connection: self)
            }
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
        return rows
    }

    /// Runs a `COPY ... FROM STDIN` statement; `body` writes the data through the given writer.
    /// Returns the number of rows loaded. If `body` throws, the COPY is aborted and nothing is loaded.
    @discardableResult
    public func copyIn(_ sql: String, _ body: (CopyInWriter) throws -> Void) throws -> Int {
        _ = try QueryResult.checkedCopy(PQexec(handle, sql), expecting: PGRES_COPY_IN, connection: self)
        let writer = CopyInWriter(connection: self)
        var failure: Error?
        do {
            try body(writer)
            try writer.flush()
        } catch {
            failure = error
        }
        let endResult: Int32 = failure == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "aborted by client")
        if endResult != 1, failure == nil { failure = lastError(kind: .copyFailed) }
        var rows = 0
        var serverError: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if serverError == nil {
                serverError = QueryResult.error(from: result, connection: self)
            }
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
        return rows
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

extension QueryResult {
    static func checkedCopy(
        _ result: OpaquePointer?, expecting status: ExecStatusType, connection: PostgresConnection
    ) throws(PostgresError) -> Bool {
        guard let result else { throw connection.lastError(kind: .connectionLost) }
        defer { PQclear(result) }
        let actual = PQresultStatus(result)
        if actual == status { return true }
        if actual == PGRES_FATAL_ERROR || actual == PGRES_NONFATAL_ERROR {
            throw error(from: result, connection: connection)
        }
        throw PostgresError(kind: .unexpectedResponse, message: "statement is not a COPY in the expected direction")
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
