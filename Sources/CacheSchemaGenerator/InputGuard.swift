/// Checks a schema file's raw bytes before YAML parsing, so that no input can crash or hang the parser: a size
/// limit, UTF-8 validity, a nesting limit (the YAML composer recurses once per nesting level) and an alias budget
/// (the composer hashes mapping keys with their aliases expanded, so nested aliases grow exponentially: "billion
/// laughs").
enum InputGuard {
    /// The largest schema accepted. A 10,000-key schema is about 1 MB.
    static let maximumBytes = 4 * 1024 * 1024
    /// The deepest nesting accepted. A schema needs 5 levels; anything near this limit is not a schema.
    static let maximumDepth = 64
    /// The most YAML aliases (`*name`) accepted. A schema needs none; with this many, the largest expansion nested
    /// aliases can build stays under 100,000 nodes.
    static let maximumAliases = 32

    struct Problem: Error, Equatable {
        var identifier: DiagnosticID
        var message: String
        var location: SourceLocation
    }

    /// The problem of a file of `size` bytes, over ``maximumBytes``.
    static func sizeProblem(_ size: Int) -> Problem {
        Problem(
            identifier: .fileTooLarge,
            message: "schema file is \(formatSize(size)); the limit is \(formatSize(maximumBytes)). A schema of 10,000 keys is about 1 MB: split the file or check that this is the right file",
            location: SourceLocation(line: 1, column: 1))
    }

    /// Returns the text when the bytes are acceptable.
    static func check(_ bytes: [UInt8]) -> Result<String, Problem> {
        if bytes.count > maximumBytes { return .failure(sizeProblem(bytes.count)) }
        if let offset = firstInvalidUTF8Offset(bytes) {
            return .failure(Problem(
                identifier: .invalidUTF8,
                message: "schema file is not valid UTF-8 (byte 0x\(String(bytes[offset], radix: 16, uppercase: true).leftPadded(to: 2)) at offset \(offset)); save it as UTF-8",
                location: location(ofByte: offset, in: bytes)))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let problem = nestingProblem(text) { return .failure(problem) }
        if let problem = aliasProblem(text) { return .failure(problem) }
        return .success(text)
    }

    static func formatSize(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024 {
            let tenths = (bytes * 10) / (1024 * 1024)
            return "\(tenths / 10).\(tenths % 10) MB"
        }
        return "\(bytes) bytes"
    }

    /// The offset of the first byte that is not part of a valid UTF-8 sequence, if any.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch byte {
            case 0x00...0x7F:
                index += 1
                continue
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(byte & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(byte & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(byte & 0x07)
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            for continuation in bytes[(index + 1)..<(index + length)] {
                guard continuation & 0xC0 == 0x80 else { return index }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return index }
            index += length
        }
        return nil
    }

    /// The line and column of a byte offset; columns count scalars of the valid prefix of the line.
    static func location(ofByte offset: Int, in bytes: [UInt8]) -> SourceLocation {
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let prefix = String(decoding: bytes[lineStart..<offset], as: UTF8.self)
        return SourceLocation(line: line, column: prefix.unicodeScalars.count + 1)
    }

    /// Counts the places where a YAML alias can start, and fails past ``maximumAliases``.
    ///
    /// It over-counts on purpose and ignores quotes and comments, which a scanner this small cannot follow exactly
    /// (a missed alias could hang the composer, an extra count costs nothing below the budget): a `*` followed by an
    /// anchor character (`[0-9A-Za-z_-]`, as libyaml reads them) counts when it is the first non-blank of a line or
    /// follows `-`, `?`, `:`, `[`, `{` or `,` on its line, the only places where YAML accepts an alias node.
    static func aliasProblem(_ text: String) -> Problem? {
        var count = 0
        var line = 1
        var column = 0
        var previous: Unicode.Scalar?
        var pendingStar = false
        var starColumn = 0
        var starCounts = false
        let indicators: Set<Unicode.Scalar> = ["-", "?", ":", "[", "{", ","]
        for scalar in text.unicodeScalars {
            column += 1
            if pendingStar {
                pendingStar = false
                let isAnchorCharacter = scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
                if starCounts && isAnchorCharacter {
                    count += 1
                    if count > maximumAliases {
                        return Problem(
                            identifier: .tooManyAliases,
                            message: "schema uses more than \(maximumAliases) YAML aliases ('*name'); a cache schema needs none, and nested aliases expand exponentially ('billion laughs'): write the values out",
                            location: SourceLocation(line: line, column: starColumn))
                    }
                }
            }
            switch scalar {
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                // Every YAML line break starts a line where an alias can stand first.
                if scalar == "\n" {
                    line += 1
                    column = 0
                }
                previous = nil
            case " ", "\t", "\u{FEFF}":
                break
            case "*":
                pendingStar = true
                starColumn = column
                starCounts = previous.map(indicators.contains) ?? true
                previous = scalar
            default:
                previous = scalar
            }
        }
        return nil
    }

    /// Estimates nesting from flow brackets and block indentation, outside quotes and comments.
    static func nestingProblem(_ text: String) -> Problem? {
        var flowDepth = 0
        var indentStack: [Int] = []
        var line = 0
        var scalars: [Unicode.Scalar] = []
        for rawLine in text.characterLines() {
            line += 1
            scalars.removeAll(keepingCapacity: true)
            scalars.append(contentsOf: rawLine.unicodeScalars)
            var indent = 0
            while indent < scalars.count, scalars[indent] == " " { indent += 1 }
            let isContent = indent < scalars.count && scalars[indent] != "#" && scalars[indent] != "\r"
            if isContent && flowDepth == 0 {
                while let top = indentStack.last, top >= indent { indentStack.removeLast() }
                indentStack.append(indent)
                // "- - - x" nests one sequence per dash on a single line.
                var column = indent
                var dashes = 0
                while column + 1 < scalars.count, scalars[column] == "-", scalars[column + 1] == " " {
                    dashes += 1
                    column += 2
                    while column < scalars.count, scalars[column] == " " { column += 1 }
                }
                if indentStack.count + dashes > maximumDepth {
                    return Problem(
                        identifier: .nestingTooDeep,
                        message: "schema nests deeper than \(maximumDepth) levels; a cache schema needs about 5",
                        location: SourceLocation(line: line, column: indent + 1))
                }
            }
            var quote: Unicode.Scalar?
            var previous: Unicode.Scalar = " "
            for (column, scalar) in scalars.enumerated() {
                defer { previous = scalar }
                if let open = quote {
                    if scalar == open && !(open == "\"" && previous == "\\") { quote = nil }
                    continue
                }
                switch scalar {
                case "#" where previous == " " || previous == "\t" || column == 0:
                    break
                case "\"", "'":
                    if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" || column == 0 {
                        quote = scalar
                    }
                case "[", "{":
                    flowDepth += 1
                    if flowDepth + indentStack.count > maximumDepth {
                        return Problem(
                            identifier: .nestingTooDeep,
                            message: "schema nests deeper than \(maximumDepth) levels; a cache schema needs about 5",
                            location: SourceLocation(line: line, column: column + 1))
                    }
                case "]", "}":
                    flowDepth = max(0, flowDepth - 1)
                default:
                    continue
                }
                if scalar == "#" && (previous == " " || previous == "\t" || column == 0) && quote == nil { break }
            }
            // Quoted scalars may span lines in YAML, but a schema never needs that; reset to stay conservative.
            quote = nil
        }
        return nil
    }
}
