import CacheSchemaCore

/// Hash tags: the keys of one entity instance must carry one tag, so that they share a Redis Cluster slot with the
/// instance's index set and marker (`CacheKeyLayout`). With one id parameter the tag is its value wherever the
/// pattern puts it; with several it is the span from the first to the last, which only patterns that write the span
/// alike give alike.
extension SchemaValidator {
    /// Checks that every key and related pattern of an entity with several id parameters that carries them all
    /// writes the same span (same placeholders in the same order, same literals between), with nothing else inside.
    mutating func checkIdentitySpans(entity: String, identity: [Parameter], keys: [Key], related: [SchemaPattern]) {
        guard identity.count > 1 else { return }
        let names = identity.map(\.name)
        let idNames = Set(names)
        let patterns = keys.map { ("key '\($0.name)'", $0.pattern) } + related.map { ("related pattern \"\($0.text)\"", $0) }
        var reference: (what: String, line: Int, span: String)?
        for (what, pattern) in patterns {
            guard let span = CacheInstanceTag.span(of: pattern.parsed, identity: names) else { continue }
            let text = Self.written(span)
            let start = pattern.location(atOffset: span.first.flatMap(Self.braceOffset) ?? 0)
            if let stranger = span.first(where: { segment in segment.placeholderName.map { !idNames.contains($0) } ?? !Self.isLiteral(segment) }) {
                let strangerText = Self.written([stranger])
                let place = stranger.placeholderName.map { "'{\($0)}' inside, which is not an id parameter" } ?? "'\(strangerText)' inside"
                diagnostics.report(
                    .identitySpanDiffers,
                    "the id parameters of entity '\(entity)' span \"\(text)\" in \(what), with \(place); the span is the hash tag of the instance's keys, so each value there would put them in another Redis Cluster slot; move '\(strangerText)' before '{\(span.first?.placeholderName ?? names[0])}' or after '{\(span.last?.placeholderName ?? names[0])}'",
                    at: start)
                continue
            }
            guard let reference else {
                reference = (what, pattern.location.line, text)
                continue
            }
            if reference.span != text {
                diagnostics.report(
                    .identitySpanDiffers,
                    "the id parameters of entity '\(entity)' span \"\(text)\" in \(what) but \"\(reference.span)\" in \(reference.what) (line \(reference.line)); the span is the hash tag of the instance's keys, so every pattern that carries all of them must write it alike for the keys to share a Redis Cluster slot: write \"\(reference.span)\" here",
                    at: start)
            }
        }
    }

    private static func isLiteral(_ segment: CachePattern.Segment) -> Bool {
        if case .literal = segment { true } else { false }
    }

    /// Where a placeholder's `{` is, for a caret under the span's start.
    private static func braceOffset(_ segment: CachePattern.Segment) -> Int? {
        if case .placeholder(_, let offset) = segment { offset - 1 } else { nil }
    }

    /// Segments as a schema writes them (`{tenant_id}:user:{user_id}`).
    private static func written(_ segments: [CachePattern.Segment]) -> String {
        segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .placeholder(let name, _): "{\(name)}"
            case .anyRun: "*"
            case .anyCharacter: "?"
            }
        }.joined()
    }
}
