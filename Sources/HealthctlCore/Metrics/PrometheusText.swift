/// Prometheus' text exposition format (version 0.0.4): metric families with `# HELP` and
/// `# TYPE`, samples with escaped label values.
struct PrometheusText {
    enum Kind: String { case gauge, summary, counter }

    private(set) var out = ""

    /// Starts a family; its samples follow with `sample`.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        out += "# HELP \(name) "
        for character in help {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        out += "\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        out += name
        if !labels.isEmpty {
            out += "{"
            for (index, (key, text)) in labels.enumerated() {
                if index > 0 { out += "," }
                out += key
                out += "=\""
                Self.escapeLabel(text, into: &out)
                out += "\""
            }
            out += "}"
        }
        out += " "
        out += Self.number(value)
        out += "\n"
    }

    /// Backslash, double quote and line feed are escaped in label values.
    static func escapeLabel(_ text: String, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return JSONValue.number(value)
    }
}
