/// Finds where a mapping key is repeated, for a duplicate the YAML composer reports at the first occurrence only.
enum DuplicateFieldLocator {
    /// Finds the second occurrence of a mapping key, for a duplicate Yams reports at the first.
    ///
    /// The repeat is a key of the same mapping, never a key of that name nested in the first one's value (an entity
    /// `user` whose first key is also named `user`). In a block mapping it is on a later line, at the first key's
    /// column with only spaces before it, before the mapping ends (a line that starts further left); in a flow mapping
    /// (`{a: 1, a: 2}`) it is at the first key's brace depth, before that mapping closes.
    static func repeatOf(_ name: String, after first: SourceLocation, in text: String) -> SourceLocation? {
        let lines = SourceLines(text)
        guard let firstLine = lines[first.line] else { return nil }
        let column = first.column - 1
        let firstScalars = Array(firstLine.unicodeScalars)
        let isBlock = column <= firstScalars.count && firstScalars[..<column].allSatisfy { $0 == " " || $0 == "-" }
        var lineNumber = first.line + 1
        if isBlock {
            while let line = lines[lineNumber] {
                let scalars = Array(line.unicodeScalars)
                let indentation = scalars.prefix { $0 == " " }.count
                let isContent = indentation < scalars.count && scalars[indentation] != "#"
                if isContent && indentation < column { return nil }
                if isContent && indentation == column && isKey(name, at: column, in: scalars) {
                    return SourceLocation(line: lineNumber, column: column + 1)
                }
                lineNumber += 1
            }
            return nil
        }
        var depth = 0
        var quote: Unicode.Scalar?
        lineNumber = first.line
        // Scan from after the first key itself (quoted or plain).
        var start = column + name.unicodeScalars.count
        if column < firstScalars.count, firstScalars[column] == "\"" || firstScalars[column] == "'" {
            start = (firstScalars[(column + 1)...].firstIndex(of: firstScalars[column]) ?? column) + 1
        }
        while let line = lines[lineNumber] {
            let scalars = Array(line.unicodeScalars)
            var index = start
            while index < scalars.count {
                let scalar = scalars[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    if depth == 0 && isKey(name, at: index, in: scalars) {
                        return SourceLocation(line: lineNumber, column: index + 1)
                    }
                    quote = scalar
                } else if scalar == "{" || scalar == "[" {
                    depth += 1
                } else if scalar == "}" || scalar == "]" {
                    depth -= 1
                    if depth < 0 { return nil }
                } else if depth == 0 && isKey(name, at: index, in: scalars) {
                    return SourceLocation(line: lineNumber, column: index + 1)
                }
                index += 1
            }
            lineNumber += 1
            start = 0
        }
        return nil
    }

    /// Whether `name` (plain or quoted) starts a mapping key at `column`: after a separator, and followed by `:`.
    private static func isKey(_ name: String, at column: Int, in scalars: [Unicode.Scalar]) -> Bool {
        guard column == 0 || [" ", "{", ",", "\t", "-"].contains(scalars[column - 1]) else { return false }
        for candidate in [name, "\"\(name)\"", "'\(name)'"] {
            let candidateScalars = Array(candidate.unicodeScalars)
            guard column + candidateScalars.count <= scalars.count,
                Array(scalars[column..<(column + candidateScalars.count)]) == candidateScalars
            else { continue }
            var after = column + candidateScalars.count
            while after < scalars.count, scalars[after] == " " { after += 1 }
            if after < scalars.count, scalars[after] == ":" { return true }
        }
        return false
    }
}
