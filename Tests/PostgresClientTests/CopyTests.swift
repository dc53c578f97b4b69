import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite(.requiresDatabase) struct CopyTests {
    struct Abort: Error, Equatable {}

    struct Record: Equatable {
        var id: Int
        var note: String?
        var message: String?
    }

    let database: TestDatabase
    let connection: PostgresConnection

    init() throws {
        database = try TestDatabase("copy")
        connection = try database.connect()
        try connection.execute(script: "CREATE TABLE records (id int PRIMARY KEY, note text, message text)")
    }

    static let awkward: [String?] = [
        nil, "", "plain", "tab\tinside", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "\\.",
        "ends with backslash\\", "\t\n\r\\ all", "ünïcödé 🙂", "'quoted' \"double\"", "access_token=ya29.a0AfH6",
    ]

    static func records(_ count: Int) -> [Record] {
        (0..<count).map { id in
            Record(id: id, note: awkward[id % awkward.count], message: id % 3 == 0 ? nil : "row \(id) \(awkward[(id / 3) % awkward.count] ?? "")")
        }
    }

    func load(_ records: [Record]) throws -> Int {
        try connection.copyIn("COPY records (id, note, message) FROM STDIN") { writer in
            for record in records {
                try writer.write("\(record.id)\t\(CopyText.field(record.note))\t\(CopyText.field(record.message))\n")
            }
        }
    }

    /// Reads the table back with COPY TO STDOUT and decodes the text format.
    func unload() throws -> (rows: Int, records: [Record]) {
        var data = [UInt8]()
        let rows = try connection.copyOut("COPY (SELECT id, note, message FROM records ORDER BY id) TO STDOUT") {
            data.append(contentsOf: $0)
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let records = lines.map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(Self.decodeField)
            return Record(id: Int(fields[0] ?? "") ?? -1, note: fields[1], message: fields[2])
        }
        return (rows, records)
    }

    static func decodeField(_ field: Substring) -> String? {
        if field == "\\N" { return nil }
        var out = ""
        var escaping = false
        for character in field {
            if escaping {
                switch character {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                default: out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return out
    }

    var rowCount: Int? { try? connection.query("SELECT count(*) FROM records").first?.int(0) }
}

/// The tests of COPY's text format that need no server.
@Suite struct CopyOfflineTests {
    @Test func escapingCoversTheTextFormat() {
        #expect(CopyText.field(nil) == "\\N")
        #expect(CopyText.field("") == "")
        #expect(CopyText.field("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e")
        #expect(CopyText.field("\\N") == "\\\\N")
        #expect(CopyText.escape("nothing to do") == "nothing to do")
    }
}

extension CopyTests {
    @Test func manyRowsGoInAndComeBackOutExactly() throws {
        let records = Self.records(60_000)
        #expect(try load(records) == 60_000)
        let unloaded = try unload()
        #expect(unloaded.rows == 60_000)
        #expect(unloaded.records == records)

        // NULL and the empty string stay apart, as the server sees them.
        let nulls = try connection.query("SELECT count(*) FILTER (WHERE note IS NULL), count(*) FILTER (WHERE note = '') FROM records")
        let expectedNulls = records.filter { $0.note == nil }.count
        let expectedEmpty = records.filter { $0.note == "" }.count
        #expect(nulls.first?.int(0) == expectedNulls)
        #expect(nulls.first?.int(1) == expectedEmpty)
        let sample = try connection.query("SELECT note FROM records WHERE id = $1", [Self.awkward.firstIndex(of: "\t\n\r\\ all")!])
        #expect(sample.first?.string(0) == "\t\n\r\\ all")
    }

    @Test func aThrowingBodyAbortsTheCopyAndLoadsNothing() throws {
        #expect(throws: Abort()) {
            try connection.copyIn("COPY records (id, note, message) FROM STDIN") { writer in
                for record in Self.records(20_000) {
                    try writer.write("\(record.id)\t\(CopyText.field(record.note))\t\(CopyText.field(record.message))\n")
                }
                throw Abort()
            }
        }
        #expect(rowCount == 0)
        #expect(connection.isHealthy && !connection.inTransaction)
        #expect(try load(Self.records(10)) == 10)
    }

    @Test func badDataSurfacesTheServerErrorWithItsSQLState() throws {
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn("COPY records (id, note, message) FROM STDIN") { writer in
                try writer.write("1\ta\tb\n2\tc\td\nnot-a-number\te\tf\n")
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(error.message.contains("invalid input syntax for type integer"))
        #expect(rowCount == 0)
        #expect(try connection.query("SELECT 1").first?.int(0) == 1)
    }

    @Test func badDataDeepInALargeLoadStillSurfacesTheServerError() throws {
        var records = Self.records(80_000).map { "\($0.id)\t\(CopyText.field($0.note))\t\(CopyText.field($0.message))\n" }
        records[40_000] = "40000\tonly two fields\n"
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn("COPY records (id, note, message) FROM STDIN") { writer in
                for line in records { try writer.write(line) }
            }
        }
        #expect(error.sqlState == "22P04")
        #expect(rowCount == 0)
        #expect(connection.isHealthy)
    }

    @Test func aDuplicateKeyFailsTheWholeCopy() throws {
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn("COPY records (id) FROM STDIN") { writer in try writer.write("1\n2\n1\n") }
        }
        #expect(error.sqlState == "23505")
        #expect(rowCount == 0)
    }

    @Test func copyInOfACopyOutStatementIsRefusedCleanly() throws {
        _ = try load(Self.records(5))
        let error = try #require(throws: PostgresError.self) {
            try connection.copyIn("COPY records TO STDOUT") { _ in Issue.record("body must not run") }
        }
        #expect(error.kind == .unexpectedResponse)
        #expect(try connection.query("SELECT 5").first?.int(0) == 5)
    }

    @Test func copyOutOfACopyInStatementIsRefusedCleanly() throws {
        let error = try #require(throws: PostgresError.self) {
            try connection.copyOut("COPY records FROM STDIN") { _ in Issue.record("body must not run") }
        }
        #expect(error.kind == .unexpectedResponse)
        #expect(rowCount == 0)
        #expect(try connection.query("SELECT 6").first?.int(0) == 6)
    }

    @Test func aThrowingCopyOutBodyCancelsAndLeavesTheConnectionUsable() throws {
        var chunks = 0
        #expect(throws: Abort()) {
            try connection.copyOut("COPY (SELECT g, repeat('y', 100) FROM generate_series(1, 2000000) g) TO STDOUT") { _ in
                chunks += 1
                if chunks == 10 { throw Abort() }
            }
        }
        #expect(chunks == 10)
        #expect(connection.isHealthy && !connection.inTransaction)
        _ = try load(Self.records(3))
        #expect(try unload().records == Self.records(3))
    }

    @Test func copyOutErrorsCarryTheSQLState() throws {
        let missing = try #require(throws: PostgresError.self) {
            try connection.copyOut("COPY nowhere TO STDOUT") { _ in }
        }
        #expect(missing.sqlState == "42P01")
        let midway = try #require(throws: PostgresError.self) {
            try connection.copyOut("COPY (SELECT 1 / (5000 - g) FROM generate_series(1, 10000) g) TO STDOUT") { _ in }
        }
        #expect(midway.sqlState == "22012")
        #expect(try connection.query("SELECT 7").first?.int(0) == 7)
    }

    @Test func copyTakesNoParametersAndSaysSo() throws {
        let error = try #require(throws: PostgresError.self) {
            try connection.copyOut("COPY (SELECT $1::int) TO STDOUT", [1]) { _ in }
        }
        #expect(error.sqlState == "08P01")
        #expect(try connection.query("SELECT 8").first?.int(0) == 8)
    }

    @Test func copyInsideATransactionRollsBackWithIt() throws {
        #expect(throws: Abort()) {
            try connection.transaction {
                _ = try load(Self.records(100))
                throw Abort()
            }
        }
        #expect(rowCount == 0)
        try connection.transaction { _ = try load(Self.records(100)) }
        #expect(rowCount == 100)
    }
}
