import Foundation

/// Compares report JSON documents apart from what is allowed to differ between two runs over
/// the same data: `generatedAt` and the `source` object (where each day was read from).
public enum ReportJSONComparison {
    /// The document with `generatedAt` and `source` removed, keys sorted; nil when it is not JSON.
    public static func withoutVolatileFields(_ text: String) -> String? {
        guard var object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        object["generatedAt"] = nil
        object["source"] = nil
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The `from` of each day in `source.days`.
    public static func daySources(_ text: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let source = object["source"] as? [String: Any], let days = source["days"] as? [[String: Any]]
        else { return [] }
        return days.compactMap { $0["from"] as? String }
    }
}
