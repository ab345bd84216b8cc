/// One difference between two versions of a schema, with what it does while processes running the old version and
/// processes running the new one share a Redis (a rolling deploy): who reads, writes and invalidates which keys, and
/// for how long.
///
/// ``SchemaDiff`` finds them. Tools and tests match on ``id`` (and ``severity``), never on ``effect``'s wording, which
/// may improve from release to release.
public struct SchemaChange: Sendable, Hashable, Codable {
    /// How much a change can hurt a fleet in the middle of a deploy. Ordered from the worst.
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        /// A process can read a stale value (one that an invalidation or write should have replaced), or the runtime's
        /// guarantees stop holding between the two versions: `cache-schema diff` exits 1.
        case breaking
        /// Misses, orphaned keys, or a new guarantee that holds only once the deploy ends: exit 0, or 1 with
        /// `--warnings-as-errors`.
        case warning
        /// Nothing the fleet notices beyond what the change intends.
        case safe

        private var rank: Int {
            switch self {
            case .breaking: 0
            case .warning: 1
            case .safe: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// The kind of a change: a stable identifier, lower-case words joined by `-` like ``DiagnosticID``'s. Each kind has
    /// one severity; an identifier, once released, keeps its meaning.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        // MARK: Breaking

        /// The namespace changed: every key, index set and generation marker moves.
        case namespaceChanged = "namespace-changed"
        /// A key's concrete keys changed (its pattern, or the parameters in it).
        case patternChanged = "pattern-changed"
        /// A parameter in a key's pattern changed type, so one value can give another key text.
        case parameterTypeChanged = "parameter-type-changed"
        /// A key's hash tag moved: its text is the same but for the braces, so Redis holds other keys.
        case hashTagMoved = "hash-tag-moved"
        /// A key both versions share is indexed differently under an entity that invalidates it in both (the entity's
        /// instances' hash tag changed, or the key no longer carries its id), so one version's invalidations miss what
        /// the other stores.
        case indexChanged = "index-changed"
        /// An entity was removed: new processes never run its invalidation.
        case entityRemoved = "entity-removed"
        /// A key was removed that invalidations reached, and the new schema's invalidations no longer reach its keys.
        case invalidatedKeyRemoved = "invalidated-key-removed"
        /// An entity's related pattern no longer reaches a key it reached.
        case relatedStopsReaching = "related-stops-reaching"
        /// A key is no longer one of its entity's own invalidated keys (it moved to another entity, or lost an id
        /// parameter).
        case invalidationStopsReaching = "invalidation-stops-reaching"

        // MARK: Warning

        /// A key's value type changed: the versions read each other's values as misses.
        case valueTypeChanged = "value-type-changed"
        /// A key was renamed with its concrete keys unchanged: the versions read each other's values as misses.
        case keyRenamed = "key-renamed"
        /// A key was removed whose keys the new schema's invalidations still reach (or that none reached).
        case keyRemoved = "key-removed"
        /// An entity's related pattern now reaches a key, or a related pattern that matches no declared key was added.
        case relatedAdded = "related-added"
        /// A key became one of an entity's own invalidated keys.
        case invalidationAdded = "invalidation-added"
        /// A related pattern that matched no declared key was removed.
        case relatedRemoved = "related-removed"
        /// A key was added that new processes invalidate and old processes' invalidations do not reach.
        case invalidatedKeyAdded = "invalidated-key-added"

        // MARK: Safe

        /// A key was added that old processes' invalidations already reach, or that no invalidation reaches.
        case keyAdded = "key-added"
        /// An entity was added.
        case entityAdded = "entity-added"
        /// A key's TTL changed.
        case ttlChanged = "ttl-changed"
        /// A key's early refresh, stale window or jitter changed.
        case freshnessChanged = "freshness-changed"
        /// A key's near cache changed.
        case nearCacheChanged = "near-cache-changed"
        /// A default of a key parameter changed.
        case defaultChanged = "default-changed"

        /// The severity every change of this kind has.
        public var severity: Severity {
            switch self {
            case .namespaceChanged, .patternChanged, .parameterTypeChanged, .hashTagMoved, .indexChanged, .entityRemoved, .invalidatedKeyRemoved,
                .relatedStopsReaching, .invalidationStopsReaching:
                .breaking
            case .valueTypeChanged, .keyRenamed, .keyRemoved, .relatedAdded, .invalidationAdded, .relatedRemoved, .invalidatedKeyAdded:
                .warning
            case .keyAdded, .entityAdded, .ttlChanged, .freshnessChanged, .nearCacheChanged, .defaultChanged:
                .safe
            }
        }
    }

    /// What a change is about.
    public enum Subject: String, Sendable, Hashable, Codable {
        /// The whole schema (the namespace).
        case schema
        /// An entity.
        case entity
        /// A key.
        case key
        /// A related pattern of an entity.
        case related
    }

    /// The kind of change, as a stable identifier (`pattern-changed`).
    public var id: Kind
    /// Its kind's severity, spelled out for tools.
    public var severity: Severity
    /// What it is about.
    public var subject: Subject
    /// The name of what it is about: the key (its new name, or its old one when removed), the entity, the related
    /// pattern, or the namespace.
    public var name: String
    /// The entity concerned: the key's entity (in the new schema when the key is in it), or the related pattern's.
    public var entity: String?
    /// The key's name in the new schema, when it is in it.
    public var keyName: String?
    /// The key's name in the old schema, when it was in it.
    public var oldKeyName: String?
    /// What the old schema says, when it says something (`shop:user:{<user_id>}`, `5m`).
    public var old: String?
    /// What the new schema says.
    public var new: String?
    /// What happens while both versions run, and after: who reads, writes and invalidates what, and for how long.
    public var effect: String
    /// The keys of the old schema whose stored values the change concerns: what is live in Redis before the deploy.
    /// Empty when it concerns none (an added key).
    public var touches: [String]
    /// How many keys of ``touches`` a live Redis holds (`cache-schema diff --url`), or `nil` when not asked.
    public var liveKeys: Int?
    /// The schema file the change is located in: the new one, or the old one for what was removed.
    public var file: String
    /// The line of what it is about in that file; absent for the namespace when neither file writes one.
    public var line: Int?

    /// Creates a change of `kind`, with its kind's severity.
    public init(
        _ kind: Kind, subject: Subject, name: String, entity: String? = nil, keyName: String? = nil, oldKeyName: String? = nil,
        old: String? = nil, new: String? = nil, effect: String, touches: [String] = [], file: String, line: Int? = nil
    ) {
        self.id = kind
        self.severity = kind.severity
        self.subject = subject
        self.name = name
        self.entity = entity
        self.keyName = keyName
        self.oldKeyName = oldKeyName
        self.old = old
        self.new = new
        self.effect = effect
        self.touches = touches
        self.file = file
        self.line = line
    }
}
