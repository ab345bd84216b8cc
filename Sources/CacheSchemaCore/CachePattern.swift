/// A key pattern (`"orders:user:{user_id}:page:{page}"`) or a related glob (`"user:{user_id}:*"`) from a schema, split
/// into literal text, `{placeholder}`s and (in globs only) `*` and `?`.
///
/// This is the one parser of the pattern language: the generator checks schemas with it (its errors become the
/// diagnostics), and the runtime reads the patterns of a ``CacheSchemaDescription`` with it.
///
/// Literal text is limited to ASCII letters, digits and `: _ - . / @ = # + ,`, so that a literal can never contain a
/// Redis glob character, a hash-tag brace, whitespace or the runtime's reserved `~`.
public struct CachePattern: Sendable, Hashable, CustomStringConvertible {
    /// Which grammar a pattern follows.
    public enum Kind: Sendable, Hashable {
        /// A key pattern: literals and placeholders.
        case key
        /// A related glob: literals, placeholders, `*` and `?`.
        case glob
    }

    /// One piece of a pattern.
    public enum Segment: Sendable, Hashable {
        /// Literal text.
        case literal(String)
        /// A `{name}` placeholder; `offset` is where its name starts, in Unicode scalars from the pattern's start.
        case placeholder(String, offset: Int)
        /// `*` (globs only): any run of characters.
        case anyRun
        /// `?` (globs only): any one character.
        case anyCharacter
    }

    /// The pattern as written.
    public let text: String
    /// The grammar it was parsed with.
    public let kind: Kind
    /// Its pieces, in order.
    public let segments: [Segment]

    /// The longest pattern accepted, in characters. Real key patterns are a few dozen; a longer one is a mistake, and
    /// each character costs memory in every concrete key and work in the generator's ambiguity check.
    public static let maximumLength = 1024

    /// The punctuation allowed in literal text besides ASCII letters and digits.
    public static let literalPunctuation: Set<Character> = [":", "_", "-", ".", "/", "@", "=", "#", "+", ","]

    /// Whether a character may appear in literal text (of a pattern, or of a namespace, which prefixes every key).
    public static func isLiteralCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || literalPunctuation.contains(character)
    }

    /// Whether a placeholder name is valid: ASCII letters, digits and single `_`, starting with a lower-case letter and
    /// not ending with `_`. Schema names follow the same rule, since a parameter's name is its placeholder's.
    public static func isValidPlaceholderName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        var previous: Unicode.Scalar = first
        for scalar in name.unicodeScalars {
            let allowed = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_"
            guard allowed, !(scalar == "_" && previous == "_") else { return false }
            previous = scalar
        }
        return previous != "_"
    }

    /// How error messages name a character: quoted, or as `U+XXXX` when it is whitespace or a control character that
    /// would not show.
    public static func describe(_ character: Character) -> String {
        if character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first,
            scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
        {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + " (whitespace or control)"
        }
        return "'\(character)'"
    }

    /// Parses `text` as a pattern of the given kind.
    ///
    /// - Throws: ``CachePatternError`` with a message and the offset of the first problem.
    public init(_ text: String, kind: Kind) throws(CachePatternError) {
        guard !text.isEmpty else {
            throw CachePatternError("a pattern is empty; write e.g. 'user:{user_id}'", offset: 0)
        }
        let length = text.unicodeScalars.count
        guard length <= Self.maximumLength else {
            throw CachePatternError("a pattern is \(length) characters long; the limit is \(Self.maximumLength)", offset: 0)
        }
        var segments: [Segment] = []
        var literal = ""
        // Offsets count Unicode scalars, as schema columns do.
        var offset = 0
        var iterator = Array(text).makeIterator()
        func flushLiteral() {
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
        }
        while let character = iterator.next() {
            let here = offset
            offset += character.unicodeScalars.count
            switch character {
            case "{":
                var name = ""
                var closed = false
                while let next = iterator.next() {
                    offset += next.unicodeScalars.count
                    if next == "}" {
                        closed = true
                        break
                    }
                    if next == "{" {
                        throw CachePatternError("'{' inside a placeholder; placeholders cannot nest", offset: offset - 1)
                    }
                    name.append(next)
                }
                guard closed else {
                    throw CachePatternError("placeholder '{\(name)' is not closed; add '}'", offset: here)
                }
                guard !name.isEmpty else {
                    throw CachePatternError("empty placeholder '{}'; write a parameter name, e.g. '{user_id}'", offset: here)
                }
                guard Self.isValidPlaceholderName(name) else {
                    throw CachePatternError(
                        "placeholder name '\(name)' must start with a lower-case letter and contain only letters, digits and single underscores",
                        offset: here + 1)
                }
                flushLiteral()
                if case .placeholder(let previous, _)? = segments.last {
                    throw CachePatternError(
                        "placeholders '{\(previous)}' and '{\(name)}' touch; separate them with literal text such as ':' so that every key has one reading",
                        offset: here)
                }
                segments.append(.placeholder(name, offset: here + 1))
            case "}":
                throw CachePatternError("'}' without a matching '{'", offset: here)
            case "*" where kind == .glob:
                flushLiteral()
                segments.append(.anyRun)
            case "?" where kind == .glob:
                flushLiteral()
                segments.append(.anyCharacter)
            case "*", "?":
                throw CachePatternError(
                    "key patterns cannot contain the glob character '\(character)'; use a {placeholder} for the varying part",
                    offset: here)
            case "[", "]", "\\":
                let message = kind == .glob
                    ? "related patterns support '*' and '?' only, not '\(character)'"
                    : "key patterns cannot contain the glob character '\(character)'"
                throw CachePatternError(message, offset: here)
            default:
                guard Self.isLiteralCharacter(character) else {
                    throw CachePatternError(
                        "character \(Self.describe(character)) is not allowed in a pattern; use letters, digits and : _ - . / @ = # + ,",
                        offset: here)
                }
                literal.append(character)
            }
        }
        flushLiteral()
        self.text = text
        self.kind = kind
        self.segments = segments
    }

    /// A pattern made of `segments`, with its text written out from them (placeholder offsets follow that text).
    private init(kind: Kind, writing segments: [Segment]) {
        var text = ""
        var offset = 0
        var written: [Segment] = []
        for segment in segments {
            switch segment {
            case .literal(let literal):
                text += literal
                written.append(segment)
            case .placeholder(let name, _):
                text += "{\(name)}"
                written.append(.placeholder(name, offset: offset + 1))
            case .anyRun:
                text += "*"
                written.append(segment)
            case .anyCharacter:
                text += "?"
                written.append(segment)
            }
            offset = text.unicodeScalars.count
        }
        self.text = text
        self.kind = kind
        self.segments = written
    }

    /// The pattern as written.
    public var description: String { text }

    /// The placeholder names, in order.
    public var placeholders: [String] {
        segments.compactMap {
            if case .placeholder(let name, _) = $0 { name } else { nil }
        }
    }

    /// The literal text before the first non-literal segment.
    public var literalPrefix: String { segments.literalPrefix }

    /// The literal text after the last non-literal segment.
    public var literalSuffix: String { segments.literalSuffix }

    /// The glob with every placeholder not in `bound` replaced by `*`: what deletes every key of the pattern that
    /// agrees on the bound parameters (every page of a user's orders).
    public func replacingPlaceholders(notIn bound: Set<String>) -> CachePattern {
        let segments = segments.map { segment -> Segment in
            if case .placeholder(let name, _) = segment, !bound.contains(name) { return .anyRun }
            return segment
        }
        return CachePattern(kind: .glob, writing: segments)
    }

    /// The text with each placeholder replaced by its value from `values` (already encoded with
    /// ``CacheKeyEncoding``), and `*` and `?` as written. A placeholder without a value becomes `*`, so that the
    /// result is at worst a glob over it, never a key that names the placeholder.
    ///
    /// The result has no hash tag: a concrete key is ``CacheKeyLayout/filled(with:)``, which adds it.
    public func filled(with values: [String: String]) -> String { segments.filled(with: values) }
}

extension [CachePattern.Segment] {
    /// The segments' text with each placeholder replaced by its value from `values`, or `*` without one; `*` and
    /// `?` as written.
    func filled(with values: [String: String]) -> String {
        var result = ""
        for segment in self {
            switch segment {
            case .literal(let text): result += text
            case .placeholder(let name, _): result += values[name] ?? "*"
            case .anyRun: result += "*"
            case .anyCharacter: result += "?"
            }
        }
        return result
    }

    /// The literal text before the first non-literal segment.
    var literalPrefix: String {
        var prefix = ""
        for segment in self {
            guard case .literal(let text) = segment else { break }
            prefix += text
        }
        return prefix
    }

    /// The literal text after the last non-literal segment.
    var literalSuffix: String {
        var suffix = ""
        for segment in reversed() {
            guard case .literal(let text) = segment else { break }
            suffix = text + suffix
        }
        return suffix
    }
}
