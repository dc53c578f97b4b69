import Foundation

/// JSON as healthctl writes it for every `Encodable` value (summaries, manifests, log lines):
/// sorted keys, no escaped slashes, pretty unless one line is asked for. (The report keeps the
/// documented key order and streams its arrays, so it has its own writer, `JSONValue`.)
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T, oneLine: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = oneLine ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
