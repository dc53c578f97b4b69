import Testing

@testable import HealthctlCore

/// The renderers' byte buffer: what is appended comes out in order, however often it grows.
@Suite struct ByteOutputTests {
    @Test(arguments: [Int64(0), 7, 9, 10, 99, 100, -1, -10, 1_234_567_890, 999_999_999_999_999_999, .max, .min, .min + 1])
    func decimalsAreWrittenAsSwiftWritesThem(_ value: Int64) {
        var out = ByteOutput(capacity: 1)
        out.appendDecimal(value)
        #expect(out.text == String(value))
        #expect(out.count == String(value).utf8.count)
    }

    /// Starting from the smallest room, every kind of append grows the buffer many times over and
    /// keeps what came before, byte for byte.
    @Test func growingKeepsEveryByteInOrder() {
        var out = ByteOutput(capacity: 1)
        var expected = ""
        for round in 0..<2000 {
            out.append("key")
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(Int64(round) * 7919 - 5000)
            out.append(repeating: UInt8(ascii: " "), count: round % 5)
            out.appendText("é\(round)")
            expected += "key:\(Int64(round) * 7919 - 5000)" + String(repeating: " ", count: round % 5) + "é\(round)"
        }
        #expect(out.text == expected)
    }

    @Test func emittingHandsOverThePieceAndStartsOver() {
        var pieces: [String] = []
        let sink = TextSink { pieces.append($0) }
        var out = ByteOutput(capacity: 4)
        out.emit(to: sink)
        out.appendText("first piece")
        out.emit(to: sink)
        out.append("second")
        out.emit(to: sink)
        #expect(pieces == ["first piece", "second"])
        #expect(out.count == 0)
    }
}
