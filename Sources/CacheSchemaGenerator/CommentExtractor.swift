/// Finds the YAML comments that document a schema element, since the YAML node tree keeps none.
///
/// An element's documentation is the block of comment lines directly above its line (no blank line between) plus a
/// trailing comment on its own line. The file's documentation is the leading comment block when a blank line
/// separates it from the first content line.
struct CommentExtractor {
    private let lines: SourceLines

    init(source: String) {
        lines = SourceLines(source)
    }

    /// The documentation of the element whose name is on `line`.
    func documentation(forLine line: Int) -> [String] {
        var above: [String] = []
        var current = line - 1
        while let text = lines[current], let comment = Self.fullLineComment(text) {
            above.insert(comment, at: 0)
            current -= 1
        }
        if let text = lines[line], let trailing = Self.trailingComment(text) {
            above.append(trailing)
        }
        return above
    }

    /// The leading comment block of the file, when it stands apart from the first content line. Editor directives
    /// at the very top (`# yaml-language-server: $schema=…`), and blank lines after them, are not part of it.
    func fileDocumentation() -> [String] {
        var block: [String] = []
        var index = 1
        var sawDirective = false
        while let text = lines[index] {
            if let comment = Self.fullLineComment(text), Self.isEditorDirective(comment) {
                sawDirective = true
            } else if !(sawDirective && text.allSatisfy(\.isWhitespace)) {
                break
            }
            index += 1
        }
        while let text = lines[index] {
            if let comment = Self.fullLineComment(text) {
                block.append(comment)
            } else if text.allSatisfy(\.isWhitespace) {
                return block
            } else {
                return []
            }
            index += 1
        }
        return block
    }

    /// Whether a comment is an instruction to an editor rather than documentation.
    static func isEditorDirective(_ comment: String) -> Bool {
        comment.hasPrefix("yaml-language-server:")
    }

    static func fullLineComment(_ line: Substring) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard trimmed.first == "#" else { return nil }
        return cleaned(trimmed.dropFirst())
    }

    /// The text of a `# comment` after content on a line, outside quotes.
    static func trailingComment(_ line: Substring) -> String? {
        if line.utf8.allSatisfy({ $0 < 0x80 }) { return trailingComment(ascii: line) }
        var quote: Character?
        var previous: Character = " "
        var index = line.startIndex
        var sawContent = false
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open && !(open == "\"" && previous == "\\") { quote = nil }
            } else if character == "#" && (previous == " " || previous == "\t") {
                return sawContent ? cleaned(line[line.index(after: index)...]) : nil
            } else if character == "\"" || character == "'" {
                quote = character
                sawContent = true
            } else if !character.isWhitespace {
                sawContent = true
            }
            previous = character
            index = line.index(after: index)
        }
        return nil
    }

    /// ``trailingComment(_:)`` for an ASCII line, byte by byte: every byte is a Character there, but for `"\r\n"`,
    /// which is whitespace and neither a quote, `#`, a backslash nor a blank, as its two bytes are.
    private static func trailingComment(ascii line: Substring) -> String? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")
        let doubleQuote = UInt8(ascii: "\""), singleQuote = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
        let bytes = line.utf8
        var quote: UInt8?
        var previous = space
        var index = bytes.startIndex
        var sawContent = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == open && !(open == doubleQuote && previous == backslash) { quote = nil }
            } else if byte == hash && (previous == space || previous == tab) {
                return sawContent ? cleaned(line[bytes.index(after: index)...]) : nil
            } else if byte == doubleQuote || byte == singleQuote {
                quote = byte
                sawContent = true
            } else if !(byte == space || (0x09...0x0D).contains(byte)) {
                sawContent = true
            }
            previous = byte
            bytes.formIndex(after: &index)
        }
        return nil
    }

    private static func cleaned(_ text: Substring) -> String {
        var text = text
        if text.first == " " { text = text.dropFirst() }
        return String(text).trimmingWhitespace
    }
}
