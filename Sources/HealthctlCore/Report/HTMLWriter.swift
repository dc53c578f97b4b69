/// Writes HTML and inline SVG into a `TextSink` as it goes. Text and attribute values are always
/// escaped; only the renderer's own constant markup (the stylesheet) goes in unescaped.
struct HTMLWriter {
    private(set) var out = ""
    private let sink: TextSink

    init(sink: TextSink) {
        self.sink = sink
        out.reserveCapacity(TextSink.pieceBytes + 4096)
    }

    /// `<name attributes>` … `</name>`, with `content` written in between.
    mutating func element(_ name: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:], content: (inout HTMLWriter) -> Void) {
        open(name, attributes)
        content(&self)
        out += "</"
        out += name.description
        out += ">"
        flushIfFull()
    }

    /// An element holding only text.
    mutating func element(_ name: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:], text: String) {
        element(name, attributes) { $0.text(text) }
    }

    /// An element without content, closed in the XML way (`<rect … />`), valid in SVG and HTML.
    mutating func empty(_ name: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:]) {
        out += "<"
        out += name.description
        writeAttributes(attributes)
        out += "/>"
    }

    mutating func text(_ value: String) {
        Self.escape(value, into: &out)
    }

    /// The renderer's own fixed markup, never data.
    mutating func markup(_ constant: StaticString) {
        out += constant.description
    }

    /// Hands what was written so far to the sink.
    mutating func flush() {
        sink.emit(&out)
    }

    private mutating func flushIfFull() {
        if out.utf8.count >= TextSink.pieceBytes { sink.emit(&out) }
    }

    private mutating func open(_ name: StaticString, _ attributes: KeyValuePairs<StaticString, String>) {
        out += "<"
        out += name.description
        writeAttributes(attributes)
        out += ">"
    }

    private mutating func writeAttributes(_ attributes: KeyValuePairs<StaticString, String>) {
        for (key, value) in attributes {
            out += " "
            out += key.description
            out += "=\""
            Self.escape(value, into: &out)
            out += "\""
        }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attribute values.
    static func escape(_ text: String, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
