import Foundation
import Testing

@testable import HealthctlCore

/// The report's JSON writer: escapes, numbers, layout, and pieces handed over whole.
@Suite struct JSONValueTests {
    func written(_ value: JSONValue, sink: TextSink? = nil) -> String {
        var out = ByteOutput()
        value.write(to: &out, indent: 0, sink: sink)
        return out.text
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote \" and backslash \\", #""quote \" and backslash \\""#),
        ("line\nfeed\r\ttab", #""line\nfeed\r\ttab""#),
        ("bell \u{07} and \u{1F}", #""bell \u0007 and \u001f""#),
        ("ünïcödé ✓ 🚀", #""ünïcödé ✓ 🚀""#),
        ("", #""""#),
    ])
    func stringsAreEscaped(_ text: String, _ expected: String) throws {
        #expect(written(.string(text)) == expected)
        // And read back as the same text.
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(expected)]".utf8)) as? [String]
        #expect(parsed == [text])
    }

    @Test func scalarsAreWritten() {
        let cases: [(JSONValue, String)] = [
            (.int(0), "0"), (.int(7), "7"), (.int(-7), "-7"), (.int(1_234_567_890), "1234567890"),
            (.int(Int.min), "\(Int.min)"), (.int(Int.max), "\(Int.max)"),
            (.number(3600), "3600"), (.number(-2), "-2"), (.number(0.25), "0.25"), (.number(0.9996527777777778), "0.9996527777777778"),
            (.number(1e15), "1000000000000000.0"), (.number(1e16), "1e+16"), (.number(.nan), "null"), (.number(.infinity), "null"),
            (.null, "null"), (.bool(true), "true"), (.bool(false), "false"),
        ]
        for (value, expected) in cases {
            #expect(written(value) == expected)
        }
    }

    @Test func containersAreIndentedTwoSpacesALevel() {
        let value = JSONValue.object([("a", .array([.int(1), .object([("b", .null)])])), ("empty", .array([])), ("none", .object([]))])
        #expect(written(value) == "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"empty\": [],\n  \"none\": {}\n}")
    }

    /// An object written field by field is laid out as the same object built as values, at any
    /// depth, empty or not.
    @Test func fieldsWrittenOneByOneLookLikeTheObjectOfTheirValues() {
        let built = JSONValue.object([
            ("n", .int(3)), ("none", .null), ("ratio", .number(0.25)), ("upSeconds", .number(3.6)), ("missing", .null),
            ("name", .string("a \"b\"")), ("nested", .object([("empty", .object([])), ("deeper", .object([("x", .int(-1))]))])),
            ("list", .array([.int(1), .object([("k", .bool(true))])])),
        ])
        let streamed = JSONValue.fields { fields in
            fields.int("n", 3)
            fields.int("none", nil)
            fields.number("ratio", 0.25)
            fields.seconds("upSeconds", 3600)
            fields.number("missing", nil)
            fields.string("name", "a \"b\"")
            fields.object("nested") { nested in
                nested.object("empty") { _ in }
                nested.object("deeper") { $0.int("x", -1) }
            }
            fields.value("list", .array([.int(1), .fields { $0.value("k", .bool(true)) }]))
        }
        #expect(written(streamed) == written(built))
        #expect(written(.fields { _ in }) == "{}")
        #expect(written(.array([.fields { $0.int("a", 1) }, .fields { _ in }])) == written(.array([.object([("a", .int(1))]), .object([])])))
    }

    /// A long array reaches the sink in pieces cut between elements, never inside a character.
    @Test func longArraysReachTheSinkInWholePieces() throws {
        var pieces: [String] = []
        let sink = TextSink { pieces.append($0) }
        let element = JSONValue.string(String(repeating: "é", count: 1000))
        var out = ByteOutput()
        JSONValue.lazyArray(1500, { _ in element }).write(to: &out, indent: 0, sink: sink)
        out.emit(to: sink)
        #expect(pieces.count > 1)
        #expect(pieces.dropLast().allSatisfy { $0.hasSuffix(",\n") })
        let parsed = try JSONSerialization.jsonObject(with: Data(pieces.joined().utf8)) as? [String]
        #expect(parsed?.count == 1500 && parsed?.allSatisfy { $0.count == 1000 } == true)
    }

    /// An array written on all cores is byte for byte the array written in order, at any length
    /// (none, fewer than a round, several rounds and a part), nested, and cut into pieces.
    @Test(arguments: [0, 1, 3, 37, 1500])
    func arraysWrittenInParallelAreTheArraysWrittenInOrder(_ count: Int) throws {
        @Sendable func element(_ index: Int) -> JSONValue {
            .fields { fields in
                fields.int("index", index)
                fields.string("text", String(repeating: "é✓", count: index % 700))
                fields.value("list", .lazyArray(index % 4) { .int($0 * index) })
            }
        }
        let ordered = JSONValue.object([("items", .lazyArray(count, element)), ("after", .int(1))])
        let parallel = JSONValue.object([("items", .parallelArray(count, element)), ("after", .int(1))])
        #expect(written(parallel) == written(ordered))

        var pieces: [String] = []
        let sink = TextSink { pieces.append($0) }
        var out = ByteOutput()
        JSONValue.parallelArray(count, element).write(to: &out, indent: 0, sink: sink)
        out.emit(to: sink)
        #expect(pieces.joined() == written(.lazyArray(count, element)))
        #expect(pieces.dropLast().allSatisfy { $0.hasSuffix(",\n") })
        if count == 1500 { #expect(pieces.count > 1) }
    }
}
