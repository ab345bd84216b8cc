import Yams

/// How the load and validate stages read a YAML node: its text, whether it is null, where it is, and how a message
/// names it.
extension Node {
    /// The text of a scalar that is not null; `nil` for null, a mapping, a list or an alias.
    var schemaText: String? {
        if case .scalar(let scalar) = self, !isNull { return scalar.string }
        return nil
    }

    /// Whether the node is a plain null scalar (`~`, `null`, or nothing at all).
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a message names what was found instead of what was expected.
    var shapeDescription: String {
        switch self {
        case .scalar(let scalar):
            if isNull { return "nothing (null)" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Where the node starts.
    var location: SourceLocation {
        guard let mark else { return SourceLocation(line: 1, column: 1) }
        return SourceLocation(line: max(mark.line, 1), column: max(mark.column, 1))
    }

    /// Where a scalar's text starts: after the opening quote for quoted scalars.
    var contentLocation: SourceLocation {
        if case .scalar(let scalar) = self, scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
            return location.advanced(by: 1)
        }
        return location
    }
}
