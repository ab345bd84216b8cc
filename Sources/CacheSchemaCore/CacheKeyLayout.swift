/// Where the Redis Cluster hash tag sits in the concrete keys (or globs) of one pattern: key layout version 2.
///
/// Redis Cluster hashes only the text between the first `{` and the next `}` of a key, and a Lua script may touch the
/// keys of one slot only. The runtime's scripts touch a key together with its owners' index sets and generation
/// markers, so every concrete key carries exactly one tag holding its owning instance's identity, on one node and on
/// a cluster alike. This is the one statement of the rule: the generator renders keys and checks ambiguity with it,
/// and ``CacheSchemaDescription/invalidation(entity:identity:)`` applies it at run time.
///
/// | the pattern | the tag wraps | example (`namespace: shop`) |
/// |---|---|---|
/// | carries its entity's one id parameter | that value | `user:{user_id}` → `shop:user:{7c9e…}` |
/// | carries all of several id parameters | the span from the first to the last, literals between | `tenant:{tenant_id}:user:{user_id}:profile` → `shop:tenant:{acme:user:42}:profile` |
/// | belongs to a singleton (no `id`) | the entity's name: the first segment when it is the name, else inserted first | `config:flags` → `shop:{config}:flags`; `flags` → `shop:{config}:flags` |
/// | lacks some id parameter (no instance owns it) | its first placeholder's value | `user:email:{email}` → `shop:user:email:{a@b.com}` |
/// | lacks some id parameter and has no placeholder | the whole pattern | `stats:global` → `shop:{stats:global}` |
/// | a related glob with no placeholder, of an entity with an id | nothing: it matches tags as written | `orders:*` |
///
/// Tags are built with `CacheKeyEncoding.hashTag(_:)`, so an empty value gives `{%}`, never `{}`. Encoded values
/// and literals never contain braces, so no value can open, close or move a tag.
public struct CacheKeyLayout: Sendable, Hashable, CustomStringConvertible {
    /// Why the tag sits where it does.
    public enum Placement: Sendable, Hashable {
        /// Around the entity's identity: its one id placeholder, or the span from the first to the last of several.
        case identity
        /// Around a singleton entity's name.
        case entityName
        /// Around the first placeholder: the pattern lacks one of its entity's id parameters, so no instance owns it.
        case firstPlaceholder
        /// Around the whole pattern: it lacks its entity's id parameters and has no placeholder.
        case wholePattern
        /// No tag: a related glob without placeholders, in an entity with id parameters. It matches keys whatever
        /// their tags hold (its `*` runs over braces too).
        case untagged
    }

    /// The pattern as written in the schema.
    public let pattern: CachePattern
    /// Why the tag sits where it does.
    public let placement: Placement
    /// What comes before the tag.
    public let head: [CachePattern.Segment]
    /// What the tag wraps; empty for ``Placement/untagged``.
    public let tag: [CachePattern.Segment]
    /// What comes after the tag.
    public let tail: [CachePattern.Segment]

    /// The layout of `pattern` (a key pattern or a related glob) of the entity named `entity`, whose id parameters
    /// are `identity`.
    public init(_ pattern: CachePattern, entity: String, identity: [String]) {
        self.pattern = pattern
        let segments = pattern.segments
        if identity.isEmpty {
            self.placement = .entityName
            if case .literal(let text)? = segments.first,
                text.hasPrefix(entity + ":") || (text == entity && segments.count == 1)
            {
                head = []
                tag = [.literal(entity)]
                let rest = String(text.dropFirst(entity.count))
                tail = (rest.isEmpty ? [] : [.literal(rest)]) + segments.dropFirst()
            } else {
                head = []
                tag = [.literal(entity)]
                tail = [.literal(":")] + segments
            }
        } else if let span = Self.identitySpan(in: segments, identity: identity) {
            self.placement = .identity
            head = Array(segments[..<span.lowerBound])
            tag = Array(segments[span])
            tail = Array(segments[(span.upperBound + 1)...])
        } else if let first = segments.firstIndex(where: \.isPlaceholder) {
            self.placement = .firstPlaceholder
            head = Array(segments[..<first])
            tag = [segments[first]]
            tail = Array(segments[(first + 1)...])
        } else if pattern.kind == .key {
            self.placement = .wholePattern
            head = []
            tag = segments
            tail = []
        } else {
            self.placement = .untagged
            head = segments
            tag = []
            tail = []
        }
    }

    private init(pattern: CachePattern, placement: Placement, head: [CachePattern.Segment], tag: [CachePattern.Segment], tail: [CachePattern.Segment]) {
        self.pattern = pattern
        self.placement = placement
        self.head = head
        self.tag = tag
        self.tail = tail
    }

    /// Where the identity span of `segments` lies: from the first to the last id placeholder, when every id parameter
    /// appears; `nil` when one is missing.
    static func identitySpan(in segments: [CachePattern.Segment], identity: [String]) -> ClosedRange<Int>? {
        let names = Set(identity)
        let positions = segments.indices.filter { segments[$0].placeholderName.map(names.contains) ?? false }
        let present = Set(positions.compactMap { segments[$0].placeholderName })
        guard present == names, let first = positions.first, let last = positions.last else { return nil }
        return first...last
    }

    /// The segments in key order, with the tag's braces as literal text: what a Redis glob or an exact comparison of
    /// key text sees. (An empty tag value shows as the braces alone; ``filled(with:)`` writes `{%}`.)
    public var segments: [CachePattern.Segment] {
        guard placement != .untagged else { return head }
        return head + [.literal("{")] + tag + [.literal("}")] + tail
    }

    /// The literal text every key of the layout starts with, the tag's `{` included.
    public var literalPrefix: String { segments.literalPrefix }

    /// The literal text every key of the layout ends with, the tag's `}` included.
    public var literalSuffix: String { segments.literalSuffix }

    /// The concrete key (or glob) without the namespace: each placeholder replaced by its value from `values` (already
    /// encoded with `CacheKeyEncoding`), `*` and `?` as written, and the tag built with `CacheKeyEncoding.hashTag(_:)`.
    /// A placeholder without a value becomes `*`, as in `CachePattern.filled(with:)`.
    public func filled(with values: [String: String]) -> String {
        let head = head.filled(with: values)
        let tail = tail.filled(with: values)
        guard placement != .untagged else { return head }
        return head + CacheKeyEncoding.hashTag(tag.filled(with: values)) + tail
    }

    /// The text between the tag's braces for these values (`CacheKeyEncoding.hashTagContent(_:)`), or `nil` for an
    /// untagged glob.
    public func tagContent(filledWith values: [String: String]) -> String? {
        guard placement != .untagged else { return nil }
        return CacheKeyEncoding.hashTagContent(tag.filled(with: values))
    }

    /// The layout with every placeholder not in `bound` replaced by `*`: the glob that deletes every key of the
    /// pattern agreeing on the bound parameters, with its tag where the keys have it.
    public func replacingPlaceholders(notIn bound: Set<String>) -> CacheKeyLayout {
        func replaced(_ segments: [CachePattern.Segment]) -> [CachePattern.Segment] {
            segments.map { segment in
                if let name = segment.placeholderName, !bound.contains(name) { return .anyRun }
                return segment
            }
        }
        return CacheKeyLayout(
            pattern: pattern.replacingPlaceholders(notIn: bound), placement: placement,
            head: replaced(head), tag: replaced(tag), tail: replaced(tail))
    }

    /// The layout as people read it: placeholders as `<name>`, and braces only where the concrete key has them
    /// (`user:{<user_id>}`, `tenant:{<tenant_id>:user:<user_id>}:profile`, `{config}:flags`).
    public var description: String {
        Self.display(head) + (placement == .untagged ? "" : "{" + Self.display(tag) + "}") + Self.display(tail)
    }

    /// Segments written with placeholders as `<name>`.
    public static func display(_ segments: some Sequence<CachePattern.Segment>) -> String {
        var text = ""
        for segment in segments {
            switch segment {
            case .literal(let literal): text += literal
            case .placeholder(let name, _): text += "<\(name)>"
            case .anyRun: text += "*"
            case .anyCharacter: text += "?"
            }
        }
        return text
    }
}

extension CachePattern.Segment {
    /// The placeholder's name, or `nil` for another segment.
    public var placeholderName: String? {
        if case .placeholder(let name, _) = self { name } else { nil }
    }

    var isPlaceholder: Bool { placeholderName != nil }
}
