import CLibPQ
import Foundation

/// The complete result of one statement, in text format. Frees its `PGresult` when released.
public final class QueryResult {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    deinit { PQclear(raw) }

    static func checked(_ result: OpaquePointer?, connection: PostgresConnection) throws(PostgresError) -> QueryResult {
        guard let result else { throw connection.lastError(kind: .connectionLost) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return QueryResult(raw: result)
        default:
            let error = error(from: result, connection: connection)
            PQclear(result)
            throw error
        }
    }

    static func error(from result: OpaquePointer, connection: PostgresConnection) -> PostgresError {
        /// Error fields are named by one ASCII letter (libpq's `PG_DIAG_*`, which Swift cannot import).
        func field(_ code: Unicode.Scalar) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.value)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M")
            ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        let lost = PQstatus(connection.handle) != CONNECTION_OK || PostgresError.saysConnectionLost(message)
        let kind: PostgresError.Kind = lost ? .connectionLost : (sqlState == "57014" ? .cancelled : .statementFailed)
        return PostgresError(
            kind: kind, sqlState: sqlState, message: message.isEmpty ? "statement failed" : message,
            detail: field("D"), hint: field("H"))
    }

    public var rowCount: Int { Int(PQntuples(raw)) }
    public var columnCount: Int { Int(PQnfields(raw)) }

    /// The command tag the server sent, e.g. `INSERT 0 5`, `COMMIT`, `ROLLBACK`.
    public var commandTag: String { String(cString: PQcmdStatus(raw)) }

    /// Rows changed by an INSERT, UPDATE, DELETE or COPY.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(raw))) ?? 0 }

    public func columnName(_ index: Int) -> String { String(cString: PQfname(raw, Int32(index))) }

    public subscript(row: Int) -> Row { Row(result: raw, index: Int32(row), owner: self) }

    public var rows: [Row] { (0..<rowCount).map { self[$0] } }

    public var first: Row? { rowCount > 0 ? self[0] : nil }
}

/// One row of a result. Values are read as text and converted on demand.
public struct Row {
    let result: OpaquePointer
    let index: Int32
    /// Keeps the owning result alive while the row is in use.
    let owner: QueryResult?

    init(result: OpaquePointer, index: Int32, owner: QueryResult? = nil) {
        self.result = result
        self.index = index
        self.owner = owner
    }

    public var count: Int { Int(PQnfields(result)) }

    public func isNull(_ column: Int) -> Bool { PQgetisnull(result, index, Int32(column)) == 1 }

    /// The column's text, or nil for NULL.
    public subscript(column: Int) -> String? {
        isNull(column) ? nil : String(cString: PQgetvalue(result, index, Int32(column)))
    }

    public func string(_ column: Int) -> String? { self[column] }

    public func int(_ column: Int) -> Int? { self[column].flatMap { Int($0) } }

    public func int64(_ column: Int) -> Int64? { self[column].flatMap { Int64($0) } }

    public func double(_ column: Int) -> Double? { self[column].flatMap { Double($0) } }

    public func bool(_ column: Int) -> Bool? { self[column].map { $0 == "t" || $0 == "true" } }

    /// A `timestamp` or `timestamptz` column as milliseconds since the epoch (UTC).
    public func epochMilliseconds(_ column: Int) -> Int64? {
        self[column].flatMap { PostgresTimestamp.parseEpochMilliseconds($0[...]) }
    }
}
