/// A key or glob pattern from a schema (`"orders:user:{user_id}:page:{page}"`), split into literal text and
/// `{placeholder}`s.
///
/// Patterns reach the runtime only through generated code, after the generator has validated them, so this parser
/// does not diagnose: an unterminated brace is kept as literal text.
struct CachePatternTemplate: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
    }

    let segments: [Segment]

    init(_ pattern: String) {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            literal += rest[..<open]
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
            segments.append(.placeholder(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// The placeholder names, in order.
    var placeholders: [String] {
        segments.compactMap {
            if case .placeholder(let name) = $0 { name } else { nil }
        }
    }

    /// The pattern with each bound placeholder replaced by its encoded value and every other one by `unbound`.
    func render(_ values: [String: String], unbound: String) -> String {
        var result = ""
        for segment in segments {
            switch segment {
            case .literal(let text): result += text
            case .placeholder(let name): result += values[name] ?? unbound
            }
        }
        return result
    }
}
