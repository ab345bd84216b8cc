/// What the hash tag of an entity's instances wraps, so that an instance's index set and generation marker
/// (`<ns>:~idx:<entity>:{<hashTag>}`, `<ns>:~gen:<entity>:{<hashTag>}`) share the slot of its keys.
///
/// - An entity with id parameters: the identity span of its first pattern (keys in schema order, then related
///   patterns) that carries every id parameter — the one placeholder, or the text from the first to the last of
///   several, literals between (`{tenant_id}:user:{user_id}`). The generator requires every such pattern of the entity
///   to have the same span, so this is the tag of all of them. When no pattern carries them all (no key is owned by
///   the instance), the id values joined by `:`.
/// - A singleton entity (no id): its name.
///
/// The generator renders `CacheEntityInstance` values from it, and ``CacheSchemaDescription`` applies it at run
/// time, so both give the same instance.
public struct CacheInstanceTag: Sendable, Hashable, CustomStringConvertible {
    /// The entity's name.
    public let entity: String
    /// The entity's id parameters, in schema order.
    public let identity: [String]
    /// What the tag wraps: literals and id placeholders.
    public let segments: [CachePattern.Segment]

    /// The tag of the instances of `entity`, whose id parameters are `identity` and whose key and related patterns are
    /// `patterns` (keys first, each in schema order).
    public init(entity: String, identity: [String], patterns: [CachePattern]) {
        self.entity = entity
        self.identity = identity
        if identity.isEmpty {
            segments = [.literal(entity)]
        } else if let span = patterns.lazy.compactMap({ Self.span(of: $0, identity: identity) }).first {
            segments = span
        } else {
            var joined: [CachePattern.Segment] = []
            for (index, name) in identity.enumerated() {
                if index > 0 { joined.append(.literal(":")) }
                joined.append(.placeholder(name, offset: 0))
            }
            segments = joined
        }
    }

    /// The identity span of `pattern`: its segments from the first to the last id placeholder, when it carries every
    /// id parameter; `nil` otherwise. For one id parameter, the placeholder alone.
    public static func span(of pattern: CachePattern, identity: [String]) -> [CachePattern.Segment]? {
        guard !identity.isEmpty, let range = CacheKeyLayout.identitySpan(in: pattern.segments, identity: identity) else { return nil }
        return Array(pattern.segments[range])
    }

    /// The instance whose id values are `values` (encoded with `CacheKeyEncoding`, keyed by parameter name): its
    /// `identity` is the filled span (empty for a singleton) and its `hashTag` the text between the tag's braces.
    public func instance(values: [String: String]) -> CacheEntityInstance {
        if identity.isEmpty { return CacheEntityInstance(entity: entity, identity: "", hashTag: entity) }
        let identityText = segments.filled(with: values)
        return CacheEntityInstance(entity: entity, identity: identityText, hashTag: CacheKeyEncoding.hashTagContent(identityText))
    }

    /// The tag as people read it: `{<user_id>}`, `{<tenant_id>:user:<user_id>}`, `{config}`.
    public var description: String { "{" + CacheKeyLayout.display(segments) + "}" }

    /// Whether the tag of a key laid out as `layout` is always this tag, for the same values: the same literals and
    /// placeholders in the same order.
    public func isSameTag(as layout: CacheKeyLayout) -> Bool {
        layout.placement != .untagged && CacheKeyLayout.display(layout.tag) == CacheKeyLayout.display(segments)
    }
}
