/// Checks that a `value:` type is a Swift type expression the generator can paste into code: a dotted name with
/// optional generic arguments (`Page<OrderDTO>`), an array `[T]` or a dictionary `[K: V]`, optionally `?`.
enum SwiftTypeExpression {
    static func isValid(_ text: String) -> Bool {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        return parser.parseType() && parser.skipSpaces() && parser.index == parser.scalars.count
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0

        mutating func skipSpaces() -> Bool {
            while index < scalars.count, scalars[index] == " " { index += 1 }
            return true
        }

        mutating func eat(_ scalar: Unicode.Scalar) -> Bool {
            _ = skipSpaces()
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
            return true
        }

        mutating func parseType() -> Bool {
            depth += 1
            defer { depth -= 1 }
            guard depth < 16 else { return false }
            _ = skipSpaces()
            if eat("[") {
                guard parseType() else { return false }
                if eat(":") { guard parseType() else { return false } }
                guard eat("]") else { return false }
            } else {
                guard parseDottedName() else { return false }
                if eat("<") {
                    repeat {
                        guard parseType() else { return false }
                    } while eat(",")
                    guard eat(">") else { return false }
                }
            }
            _ = eat("?")
            return true
        }

        mutating func parseDottedName() -> Bool {
            var name = ""
            while index < scalars.count {
                let scalar = scalars[index]
                if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "." {
                    name.unicodeScalars.append(scalar)
                    index += 1
                } else {
                    break
                }
            }
            return SwiftNaming.isValidTypeName(name)
        }
    }
}
