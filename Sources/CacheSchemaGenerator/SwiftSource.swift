/// Small helpers for writing Swift source text.
enum SwiftSource {
    /// A Swift string literal for any text: quotes, backslashes and control characters escaped.
    static func stringLiteral(_ text: String) -> String {
        // Most texts (names, patterns) need no escape: copy them whole.
        let plain = !text.utf8.contains { byte in
            byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
        }
        if plain { return "\"" + text + "\"" }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || isLineOrParagraphSeparator(scalar)
                {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// A doc-comment line's text, with anything that could end or break the comment neutralised.
    static func docText(_ text: String) -> String {
        func neutralised(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || scalar.value == 0x7F || isLineOrParagraphSeparator(scalar)
        }
        guard text.unicodeScalars.contains(where: neutralised) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { result.append(neutralised(scalar) ? " " : scalar) }
        return String(result)
    }

    /// Whether a scalar is in general category Zl or Zp, which hold exactly U+2028 and U+2029 (Unicode's stability
    /// policy fixes both): a line break to many readers. Comparing values avoids a property-table lookup per scalar.
    static func isLineOrParagraphSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

/// Accumulates indented lines.
struct SourceWriter {
    private(set) var text = ""
    private var indentation = 0

    mutating func line(_ content: String = "") {
        if !content.isEmpty {
            for _ in 0..<indentation { text.append("    ") }
            text.append(content)
        }
        text.append("\n")
    }

    mutating func docComment(_ lines: [String]) {
        for line in lines {
            self.line(line.isEmpty ? "///" : "/// " + SwiftSource.docText(line))
        }
    }

    mutating func block(_ opening: String, _ body: (inout SourceWriter) -> Void) {
        line(opening + " {")
        indentation += 1
        body(&self)
        indentation -= 1
        line("}")
    }
}
