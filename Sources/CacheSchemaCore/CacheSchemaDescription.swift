import Foundation

/// The whole schema as data: what generated code knows, for the runtime, for tools and for administrative paths that
/// name an entity by string.
///
/// Generated code exposes it as `CacheKeys.schema`.
public struct CacheSchemaDescription: Sendable, Hashable, Codable {
    /// The schema file the code was generated from (its file name only).
    public let source: String
    /// The namespace prefix, or `nil`.
    public let namespace: String?
    /// A stable fingerprint of the schema's meaning (keys, patterns, types, TTLs), in hex.
    public let fingerprint: String
    /// The named TTL classes, in schema order.
    public let ttlClasses: [TTLClass]
    /// The entities, in schema order.
    public let entities: [Entity]
    /// Every key, in schema order.
    public let keys: [CacheKeyDescriptor]

    /// A named TTL.
    public struct TTLClass: Sendable, Hashable, Codable {
        /// The class name (`"user"`).
        public let name: String
        /// Its duration.
        public let ttl: Duration

        /// Creates a TTL class.
        public init(name: String, ttl: Duration) {
            self.name = name
            self.ttl = ttl
        }
    }

    /// A unit of invalidation.
    public struct Entity: Sendable, Hashable, Codable {
        /// The entity's name (`"user"`).
        public let name: String
        /// The identity parameters the invalidator takes.
        public let identity: [CacheParameterDescriptor]
        /// The names of the entity's own keys.
        public let keys: [String]
        /// The `related` glob patterns as written (`"user:{user_id}:*"`), without the namespace.
        public let related: [String]
        /// The related patterns whose every declared key is indexed under the entity, so invalidation needs no scan.
        public let indexedRelated: [String]

        /// Creates an entity description.
        public init(name: String, identity: [CacheParameterDescriptor], keys: [String], related: [String], indexedRelated: [String] = []) {
            self.name = name
            self.identity = identity
            self.keys = keys
            self.related = related
            self.indexedRelated = indexedRelated
        }
    }

    /// Creates a schema description. Generated code calls this.
    public init(
        source: String,
        namespace: String?,
        fingerprint: String,
        ttlClasses: [TTLClass],
        entities: [Entity],
        keys: [CacheKeyDescriptor]
    ) {
        self.source = source
        self.namespace = namespace
        self.fingerprint = fingerprint
        self.ttlClasses = ttlClasses
        self.entities = entities
        self.keys = keys
    }

    /// The descriptor of the key with this schema name, if any.
    public func key(named name: String) -> CacheKeyDescriptor? {
        keys.first { $0.name == name }
    }

    /// The entity with this name, if any.
    public func entity(named name: String) -> Entity? {
        entities.first { $0.name == name }
    }

    /// Builds the invalidation of an entity named by string, with identity values given as text.
    ///
    /// This is the generic invalidate-entity path, for administrative tools and for code that learns the entity at run
    /// time; typed code calls the generated `CacheInvalidations` functions, which build the same value.
    ///
    /// - Parameters:
    ///   - entity: The entity's schema name (`"user"`).
    ///   - identity: Each identity parameter's value as text, keyed by its schema name (`["user_id": "7c9e…"]`).
    /// - Throws: ``CacheSchemaDescriptionError`` when the entity is unknown, a parameter is missing or extra, a value
    ///   does not parse as its type, or one of the entity's patterns does not parse.
    public func invalidation(
        entity: String,
        identity: [String: String]
    ) throws(CacheSchemaDescriptionError) -> CacheInvalidation {
        guard let entityDescription = self.entity(named: entity) else {
            throw .unknownEntity(entity, known: entities.map(\.name))
        }
        let identityNames = entityDescription.identity.map(\.name)
        let expected = Set(identityNames)
        if let extra = identity.keys.sorted().first(where: { !expected.contains($0) }) {
            throw .unexpectedParameter(entity: entity, parameter: extra, expected: identityNames)
        }
        var encoded: [String: String] = [:]
        for parameter in entityDescription.identity {
            guard let text = identity[parameter.name] else {
                throw .missingParameter(entity: entity, parameter: parameter.name)
            }
            encoded[parameter.name] = try Self.encode(text, as: parameter, entity: entity)
        }
        var keyPatterns: [(CacheKeyDescriptor, CachePattern)] = []
        for name in entityDescription.keys {
            guard let descriptor = key(named: name) else { continue }
            keyPatterns.append((descriptor, try Self.parse(descriptor.pattern, kind: .key)))
        }
        var relatedPatterns: [(String, CachePattern)] = []
        for text in entityDescription.related {
            relatedPatterns.append((text, try Self.parse(text, kind: .glob)))
        }
        let tag = CacheInstanceTag(entity: entity, identity: identityNames, patterns: keyPatterns.map(\.1) + relatedPatterns.map(\.1))
        let instance = tag.instance(values: encoded)
        var keys: [CacheInvalidation.Key] = []
        var patterns: [CacheInvalidation.Pattern] = []
        for (descriptor, pattern) in keyPatterns {
            let layout = CacheKeyLayout(pattern, entity: entity, identity: identityNames)
            switch CacheInvalidationRoute(keyPattern: pattern, identity: identityNames) {
            case .exactKey:
                keys.append(.init(name: descriptor.name, rawValue: qualify(layout.filled(with: encoded))))
            case .glob:
                let glob = layout.replacingPlaceholders(notIn: Set(identityNames))
                patterns.append(.init(origin: .key(descriptor.name), glob: qualify(glob.filled(with: encoded))))
            case .unreachable:
                // A glob over the missing identity would delete every instance's keys; the generator warns instead.
                continue
            }
        }
        for (related, pattern) in relatedPatterns {
            let glob = CacheKeyLayout(pattern, entity: entity, identity: identityNames).filled(with: encoded)
            patterns.append(.init(origin: .related(related), glob: qualify(glob), indexed: entityDescription.indexedRelated.contains(related)))
        }
        return CacheInvalidation(instance: instance, namespace: namespace, keys: keys, patterns: patterns)
    }

    /// Where the hash tag sits in the concrete keys of `key` (see ``CacheKeyLayout``), for tools that read keys back.
    ///
    /// - Throws: ``CacheSchemaDescriptionError/invalidPattern(_:reason:)`` when the key's pattern does not parse.
    public func layout(of key: CacheKeyDescriptor) throws(CacheSchemaDescriptionError) -> CacheKeyLayout {
        let identity = entity(named: key.entity)?.identity.map(\.name) ?? []
        return CacheKeyLayout(try Self.parse(key.pattern, kind: .key), entity: key.entity, identity: identity)
    }

    private static func parse(_ text: String, kind: CachePattern.Kind) throws(CacheSchemaDescriptionError) -> CachePattern {
        do {
            return try CachePattern(text, kind: kind)
        } catch {
            throw .invalidPattern(text, reason: error.message)
        }
    }

    private func qualify(_ key: String) -> String {
        namespace.map { "\($0):\(key)" } ?? key
    }

    private static func encode(
        _ text: String,
        as parameter: CacheParameterDescriptor,
        entity: String
    ) throws(CacheSchemaDescriptionError) -> String {
        switch parameter.type {
        case .string, .custom:
            return CacheKeyEncoding.encode(text)
        case .int:
            guard let value = Int(text) else {
                throw .invalidValue(entity: entity, parameter: parameter.name, type: "Int", value: text)
            }
            return CacheKeyEncoding.encode(value)
        case .uuid:
            guard let value = UUID(uuidString: text) else {
                throw .invalidValue(entity: entity, parameter: parameter.name, type: "UUID", value: text)
            }
            return CacheKeyEncoding.encode(value)
        case .bool:
            guard let value = Bool(text) else {
                throw .invalidValue(entity: entity, parameter: parameter.name, type: "Bool", value: text)
            }
            return CacheKeyEncoding.encode(value)
        }
    }
}

/// Why ``CacheSchemaDescription/invalidation(entity:identity:)`` could not build an invalidation.
public enum CacheSchemaDescriptionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No entity has this name.
    case unknownEntity(String, known: [String])
    /// An identity parameter was not given.
    case missingParameter(entity: String, parameter: String)
    /// A parameter was given that is not part of the entity's identity.
    case unexpectedParameter(entity: String, parameter: String, expected: [String])
    /// A value does not parse as its parameter's type. The value itself is not repeated in the description.
    case invalidValue(entity: String, parameter: String, type: String, value: String)
    /// A key or related pattern of the description does not parse (generated descriptions always do; a hand-made
    /// one may not).
    case invalidPattern(String, reason: String)

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .unknownEntity(let name, let known):
            "unknown entity '\(name)'; the schema declares: \(known.joined(separator: ", "))"
        case .missingParameter(let entity, let parameter):
            "entity '\(entity)' needs identity parameter '\(parameter)'; pass it"
        case .unexpectedParameter(let entity, let parameter, let expected):
            "entity '\(entity)' has no identity parameter '\(parameter)'; "
                + "its identity is: \(expected.joined(separator: ", "))"
        case .invalidValue(let entity, let parameter, let type, _):
            "the value given for '\(parameter)' of entity '\(entity)' is not a valid \(type)"
        case .invalidPattern(let pattern, let reason):
            "the schema description's pattern '\(pattern)' is not valid: \(reason)"
        }
    }
}
