import Testing

@testable import HealthctlCore

@Suite struct CSVReaderTests {
    /// Reads `text` fed in chunks of `chunk` bytes, returning each record's fields (nil for NULL).
    func records(_ text: String, chunk: Int = 3) throws -> [[String?]] {
        var reader = CSVReader()
        var out: [[String?]] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            try reader.feed(Array(bytes[start..<min(bytes.count, start + chunk)])) { record in
                out.append((0..<record.fieldCount).map { record.string($0) })
            }
        }
        try reader.finish()
        return out
    }

    @Test func keepsNullAndEmptyStringApart() throws {
        #expect(try records("a,,\"\",b\n") == [["a", nil, "", "b"]])
    }

    @Test func readsQuotesCommasAndLineBreaksInsideQuotedFields() throws {
        let text = "1,\"say \"\"hi\"\", then, go\nhome\",x\r\n2,plain,\"\"\n"
        #expect(try records(text) == [["1", "say \"hi\", then, go\nhome", "x"], ["2", "plain", ""]])
        #expect(try records(text, chunk: 1) == records(text, chunk: 100))
    }

    @Test func rejectsMalformedInput() {
        #expect(throws: CSVProblem.self) { try records("a,b\"c\n") }
        #expect(throws: CSVProblem.self) { try records("\"a\"b,c\n") }
        #expect(throws: CSVProblem.self) { try records("a,\"unterminated\n") }
        #expect(throws: CSVProblem.self) { try records("a,b") }
    }

    @Test func statisticsFollowTimeAndIdOrder() throws {
        var collector = RowStatisticsCollector(numericIds: true)
        var reader = CSVReader()
        // PostgreSQL prints fractions only when present: `07:00:00Z` comes before `07:00:00.5Z`.
        try reader.feed(Array("10,i,OK,,1,2026-10-20T07:00:00.5Z\n9,i,OK,,1,2026-10-20T07:00:00Z\n100,i,OK,,1,2026-10-20T01:00:00Z\n".utf8)) {
            collector.add($0)
        }
        #expect(collector.statistics == RowStatistics(
            numericIds: true, rows: 3, firstCheckedAt: "2026-10-20T01:00:00Z", lastCheckedAt: "2026-10-20T07:00:00.5Z",
            minId: "9", maxId: "100"))
    }

    @Test func fastScanAgreesWithTheReaderWhateverTheSplits() throws {
        let text = "b7,i,OK,\"x,\"\"y\"\"\nz\",1,2026-10-20T07:00:00.5Z\n\"a,\"\"q\",i,OK,,,2026-10-20T07:00:00Z\nc9,i,OK,\"\",3,2026-10-20T09:00:00Z\n"
        var reader = CSVReader()
        var parsed = RowStatisticsCollector(numericIds: false)
        try reader.feed(Array(text.utf8)) { parsed.add($0) }
        #expect(parsed.statistics.minId == "a,\"q")
        #expect(parsed.statistics.maxId == "c9")
        #expect(parsed.statistics.lastCheckedAt == "2026-10-20T09:00:00Z")
        let bytes = Array(text.utf8)
        for split in [1, 5, 17, bytes.count] {
            var scanned = RowStatisticsCollector(numericIds: false)
            for start in stride(from: 0, to: bytes.count, by: split) {
                try Array(bytes[start..<min(bytes.count, start + split)]).withUnsafeBytes { try scanned.scan($0) }
            }
            #expect(scanned.isAtRecordBoundary)
            #expect(scanned.statistics == parsed.statistics)
        }
        var wrong = RowStatisticsCollector(numericIds: false)
        #expect(throws: CSVProblem.self) { try Array("a,b,c\n".utf8).withUnsafeBytes { try wrong.scan($0) } }
    }
}
