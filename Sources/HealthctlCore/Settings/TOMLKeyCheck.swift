/// Finds a key position holding a character no key can start with, before the text reaches
/// TOMLKit: its C++ parser (toml++) asserts on such input (`[=[table]]`, `{ =x }`) and takes the
/// process down instead of reporting an error. Found by fuzzing the settings file.
enum TOMLKeyCheck {
    /// The last character before `index` that is not blank.
    private static func previous(_ chars: [Character], _ index: Int) -> Character? {
        var position = index - 1
        while position >= 0, chars[position] == " " || chars[position] == "\t" || chars[position] == "\n" || chars[position] == "\r" { position -= 1 }
        return position >= 0 ? chars[position] : nil
    }

    /// The 1-based line of the first misplaced key or value character, if any.
    static func firstBadKeyLine(_ text: String) -> Int? {
        enum Context { case header, inlineTable, array }
        var line = 1
        var stack: [Context] = []
        var expectKey = true  // a key must start at the next character that is not blank
        var keyPart = true  // between a key's start and its `=`
        /// A value must start at the next character that is not blank (after `=`, `[` or `,` in an array).
        var expectValue = false
        var arrayJustOpened = false
        var inString: Character?
        var multiline = false
        var atLineStart = true
        var chars = Array(text)
        chars.append("\n")
        var index = 0
        func isKeyStart(_ character: Character) -> Bool {
            character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-" || character == "\"" || character == "'")
        }
        while index < chars.count {
            let character = chars[index]
            defer { index += 1 }
            if let quote = inString {
                if character == "\n" { line += 1 }
                if character == "\\", quote == "\"" { index += 1; continue }
                if character == quote {
                    if multiline {
                        if index + 2 < chars.count, chars[index + 1] == quote, chars[index + 2] == quote { inString = nil; multiline = false; index += 2 }
                    } else {
                        inString = nil
                    }
                }
                continue
            }
            if character == "\n" {
                // A header ends on its line; a key expected inside an inline table is not on the next,
                // nor a value after `=`.
                if stack.last == .header || (expectKey && stack.last == .inlineTable) || (expectValue && stack.last != .array) { return line }
                line += 1
                atLineStart = true
                if stack.isEmpty || stack.last == .header { stack = []; expectKey = true; keyPart = true }
                continue
            }
            if character == "\r" {
                // Only as part of CRLF; a lone one where a key goes is not blank to the parser.
                if index + 1 < chars.count, chars[index + 1] == "\n" { continue }
                if expectKey { return line }
                continue
            }
            if character == " " || character == "\t" { continue }
            if character == "#" {
                while index + 1 < chars.count, chars[index + 1] != "\n" { index += 1 }
                continue
            }
            if expectValue {
                expectValue = false
                let opened = arrayJustOpened
                arrayJustOpened = false
                // toml++ asserts on a value that begins with a terminator; an array may close at once.
                if character == "," || character == "}" || character == "=" || (character == "]" && !(opened || stack.last == .array && previous(chars, index) == ",")) {
                    return line
                }
            }
            if expectKey {
                expectKey = false
                if atLineStart, stack.isEmpty, character == "[" {
                    // A table header: `[` or `[[`, then a key.
                    if index + 1 < chars.count, chars[index + 1] == "[" { index += 1 }
                    stack = [.header]
                    expectKey = true
                    atLineStart = false
                    continue
                }
                if character == "}", stack.last == .inlineTable { stack.removeLast(); continue }
                guard isKeyStart(character) else { return line }
            }
            atLineStart = false
            switch character {
            case "\"", "'":
                inString = character
                if index + 2 < chars.count, chars[index + 1] == character, chars[index + 2] == character { multiline = true; index += 2 }
            case ".": if stack.last == .header || keyPart { expectKey = true }
            case "=": keyPart = false; expectValue = true
            case "[": stack.append(.array); expectValue = true; arrayJustOpened = true
            case "]": if !stack.isEmpty { stack.removeLast() }
            case "{": stack.append(.inlineTable); expectKey = true; keyPart = true
            case "}": if stack.last == .inlineTable { stack.removeLast() }
            case ",":
                if stack.last == .inlineTable { expectKey = true; keyPart = true }
                if stack.last == .array { expectValue = true }
            default: break
            }
        }
        return nil
    }

}
