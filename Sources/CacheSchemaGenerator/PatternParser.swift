/// Parses key patterns (`"user:{user_id}"`) and related globs (`"user:{user_id}:*"`).
///
/// Literal text is limited to ASCII letters, digits and `: _ - . / @ = # + ,`, so that a literal can never contain a
/// Redis glob character, a hash-tag brace, whitespace or the runtime's reserved `~`.
enum PatternParser {
    /// Which grammar to accept.
    enum Kind {
        /// A key pattern: literals and placeholders.
        case key
        /// A related glob: literals, placeholders, `*` and `?`.
        case glob
    }

    /// The punctuation allowed in literal text besides letters and digits.
    static let literalPunctuation: Set<Character> = [":", "_", "-", ".", "/", "@", "=", "#", "+", ","]

    static func isLiteralCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || literalPunctuation.contains(character)
    }

    /// The longest pattern accepted, in characters. Real key patterns are a few dozen; a longer one is a mistake, and
    /// each character costs memory in every concrete key and work in the ambiguity check.
    static let maximumLength = 1024

    struct Problem: Error, Equatable {
        var message: String
        var location: SourceLocation
    }

    /// Parses `text`, whose first character is at `location`.
    static func parse(_ text: String, kind: Kind, at location: SourceLocation) -> Result<Pattern, Problem> {
        guard !text.isEmpty else {
            return .failure(Problem(message: "a pattern is empty; write e.g. 'user:{user_id}'", location: location))
        }
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            return .failure(Problem(message: "a pattern is \(length) characters long; the limit is \(maximumLength)", location: location))
        }
        var segments: [Pattern.Segment] = []
        var literal = ""
        var column = 0
        var iterator = Array(text).makeIterator()
        func flushLiteral() {
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
        }
        while let character = iterator.next() {
            let here = location.advanced(by: column)
            column += character.unicodeScalars.count
            switch character {
            case "{":
                var name = ""
                var closed = false
                while let next = iterator.next() {
                    column += next.unicodeScalars.count
                    if next == "}" {
                        closed = true
                        break
                    }
                    if next == "{" {
                        return .failure(Problem(message: "'{' inside a placeholder; placeholders cannot nest", location: location.advanced(by: column - 1)))
                    }
                    name.append(next)
                }
                guard closed else {
                    return .failure(Problem(message: "placeholder '{\(name)' is not closed; add '}'", location: here))
                }
                guard !name.isEmpty else {
                    return .failure(Problem(message: "empty placeholder '{}'; write a parameter name, e.g. '{user_id}'", location: here))
                }
                guard SwiftNaming.isValidSchemaName(name) else {
                    return .failure(Problem(
                        message: "placeholder name '\(name)' must start with a lower-case letter and contain only letters, digits and single underscores",
                        location: here.advanced(by: 1)))
                }
                flushLiteral()
                if case .placeholder(let previous, _)? = segments.last {
                    return .failure(Problem(
                        message: "placeholders '{\(previous)}' and '{\(name)}' touch; separate them with literal text such as ':' so that every key has one reading",
                        location: here))
                }
                segments.append(.placeholder(name, here.advanced(by: 1)))
            case "}":
                return .failure(Problem(message: "'}' without a matching '{'", location: here))
            case "*" where kind == .glob:
                flushLiteral()
                segments.append(.anyRun)
            case "?" where kind == .glob:
                flushLiteral()
                segments.append(.anyCharacter)
            case "*", "?":
                return .failure(Problem(
                    message: "key patterns cannot contain the glob character '\(character)'; use a {placeholder} for the varying part",
                    location: here))
            case "[", "]", "\\":
                let what = kind == .glob
                    ? "related patterns support '*' and '?' only, not '\(character)'"
                    : "key patterns cannot contain the glob character '\(character)'"
                return .failure(Problem(message: what, location: here))
            default:
                guard isLiteralCharacter(character) else {
                    return .failure(Problem(
                        message: "character \(describe(character)) is not allowed in a pattern; use letters, digits and : _ - . / @ = # + ,",
                        location: here))
                }
                literal.append(character)
            }
        }
        flushLiteral()
        return .success(Pattern(text: text, segments: segments, location: location))
    }

    static func describe(_ character: Character) -> String {
        if character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first,
            scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
        {
            return "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) + " (whitespace or control)"
        }
        return "'\(character)'"
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
