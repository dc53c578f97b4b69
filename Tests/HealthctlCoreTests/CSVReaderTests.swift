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
}
