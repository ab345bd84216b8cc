/// A position in a schema file: 1-based line and column (columns count Unicode scalars, as YAML does).
public struct SourceLocation: Sendable, Hashable, Comparable, Codable {
    /// The 1-based line.
    public var line: Int
    /// The 1-based column.
    public var column: Int

    /// Creates a location.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The location `offset` columns to the right.
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(line: line, column: column + offset)
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// One finding about a schema, with where it is and what kind it is.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad a finding is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// Generation stops; nothing is written.
        case error
        /// Generation goes on; `check --warnings-as-errors` fails on it.
        case warning
    }

    /// How bad it is (always its identifier's severity).
    public var severity: Severity
    /// What kind of finding it is: what tools and tests match on.
    public var identifier: DiagnosticID
    /// What is wrong and what to do, in one sentence or two.
    public var message: String
    /// The schema file's path as the user gave it.
    public var file: String
    /// Where in the file.
    public var location: SourceLocation

    /// Creates a diagnostic of the severity its identifier has.
    public init(_ identifier: DiagnosticID, _ message: String, file: String, at location: SourceLocation) {
        self.severity = identifier.severity
        self.identifier = identifier
        self.message = message
        self.file = file
        self.location = location
    }

    /// `file:line:column: severity: message [#identifier]`, the form compilers and editors understand. The identifier
    /// comes last, as the Swift compiler prints a diagnostic group, so that parsers of `file:line:column: severity:`
    /// read the line as before.
    public var description: String {
        "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message) [#\(identifier.rawValue)]"
    }

    /// The diagnostic line followed by the offending source line and a caret under the column, when the source is
    /// at hand.
    public func rendered(source: String?) -> String {
        guard let source, let line = Self.shownPrefix(ofLine: location.line, in: source) else { return description }
        let shown = String(line.unicodeScalars.map { $0.properties.isWhitespace ? " " : Character($0) })
        let caretColumn = min(max(location.column, 1), shown.unicodeScalars.count + 1)
        return description + "\n" + shown + "\n" + String(repeating: " ", count: caretColumn - 1) + "^"
    }
}

extension Diagnostic {
    /// The first 240 scalars of line `number`, found without splitting the whole source: rendering many diagnostics
    /// of a large file must not cost the file's size for each of them.
    static func shownPrefix(ofLine number: Int, in source: String) -> Substring? {
        guard number >= 1 else { return nil }
        var source = source
        return source.withUTF8 { bytes -> Substring? in
            var start = 0
            for _ in 1..<number {
                guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                start = newline + 1
            }
            // 240 scalars take at most 960 bytes; a cut sequence at the end decodes to U+FFFD and is dropped.
            let window = bytes[start..<min(bytes.count, start + 240 * 4)]
            var end = window.firstIndex(of: UInt8(ascii: "\n")) ?? window.endIndex
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            return Substring(text.unicodeScalars.prefix(240))
        }
    }
}

/// Lines of a source text, 1-based, without their line breaks.
struct SourceLines: Sendable {
    let lines: [Substring]

    init(_ source: String) {
        lines = source.characterLines()
    }

    subscript(line: Int) -> Substring? {
        line >= 1 && line <= lines.count ? lines[line - 1] : nil
    }
}

extension String {
    /// The text cut into lines at every line feed, a carriage return before it dropped (`\n` and `\r\n` endings,
    /// as YAML counts lines), empty lines kept.
    ///
    /// It scans bytes and slices unicode scalars: `"\r\n"` is a single Character, so splitting on the Character
    /// `"\n"` would see a CRLF file as one line.
    func characterLines() -> [Substring] {
        var lines: [Substring] = []
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var previousIndex: String.UnicodeScalarView.Index?
        var index = start
        while index != scalars.endIndex {
            if scalars[index] == "\n" {
                var end = index
                if let previousIndex, previousIndex >= start, scalars[previousIndex] == "\r" { end = previousIndex }
                lines.append(Substring(scalars[start..<end]))
                start = scalars.index(after: index)
            }
            previousIndex = index
            scalars.formIndex(after: &index)
        }
        lines.append(Substring(scalars[start..<scalars.endIndex]))
        return lines
    }
}
