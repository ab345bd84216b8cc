import CacheSchemaCore

/// How schema names become Swift identifiers, and which names are refused.
///
/// `user_id` → `userID`, `user_by_email` → `userByEmail`, `userByEmail` stays. Words known as initialisms (`id`,
/// `url`, `uuid`, …) are upper-cased after the first word. Names that would clash or are Swift keywords are
/// errors, never silently renamed.
enum SwiftNaming {
    /// Words written in capitals when they are not the first word of an identifier.
    static let initialisms: Set<String> = ["id", "ids", "url", "uri", "uuid", "ttl", "ip", "api", "json", "http", "sku"]

    /// Swift keywords and names that generated code cannot use as identifiers or labels without backticks.
    static let keywords: Set<String> = [
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate", "func",
        "import", "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private", "precedencegroup",
        "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case",
        "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat",
        "return", "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
        "super", "throws", "true", "try", "_", "package", "some", "any", "async", "actor", "macro", "Type",
        "Protocol",
    ]

    /// Whether a name is made of ASCII letters, digits and single `_`, starting with a lower-case letter. Every schema
    /// name follows the placeholder rule, since a parameter's name is its placeholder's.
    static func isValidSchemaName(_ name: String) -> Bool {
        CachePattern.isValidPlaceholderName(name)
    }

    /// The lower-camel-case identifier for a schema name.
    static func lowerCamelCase(_ name: String) -> String {
        // A name without an underscore is its own lower camel case.
        guard name.utf8.contains(UInt8(ascii: "_")) else { return name }
        let words = name.split(separator: "_").map(String.init)
        guard let first = words.first else { return name }
        return first + words.dropFirst().map(capitalizedWord).joined()
    }

    /// The upper-camel-case identifier for a schema name (`user_orders` → `UserOrders`, `userByEmail` →
    /// `UserByEmail`).
    static func upperCamelCase(_ name: String) -> String {
        let words = name.split(separator: "_").map(String.init)
        return words.map(capitalizedWord).joined()
    }

    private static func capitalizedWord(_ word: String) -> String {
        if initialisms.contains(word) { return word.uppercased() }
        return word.prefix(1).uppercased() + word.dropFirst()
    }

    /// Whether a written type name is a plain or dotted Swift type identifier (`UserDTO`, `Tenant.ID`).
    static func isValidTypeName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first,
                ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_"
            else { return false }
            return part.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
            } && !keywords.contains(String(part))
        }
    }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestions {
    /// The closest candidate within a small edit distance, if any.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(1, min(3, word.count / 3))
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit, best.map({ distance < $0.1 }) ?? true {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// `; did you mean 'x'?` or the empty string.
    static func didYouMean(_ word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars.prefix(64)), b = Array(b.unicodeScalars.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
