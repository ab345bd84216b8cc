import CacheSchemaCore

/// One version of a schema as ``SchemaDiff`` reads it: the checked schema, its analysis, and what the comparison asks
/// of them (concrete key shapes, key languages, which entities reach a key).
struct DiffSide {
    let schema: Schema
    let analysis: SchemaAnalysis
    let entities: [String: Entity]
    let keys: [String: Key]

    init(schema: Schema, analysis: SchemaAnalysis) {
        self.schema = schema
        self.analysis = analysis
        entities = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        keys = Dictionary(schema.keys.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var file: String { schema.file }

    /// `text` with the namespace in front, as Redis stores it.
    func qualified(_ text: String) -> String {
        schema.namespace.map { "\($0):\(text)" } ?? text
    }

    /// The key's concrete layout with the namespace (`shop:user:{<user_id>}`), as `explain` shows it.
    func display(_ key: Key) -> String {
        qualified(analysis[key].layout.description)
    }

    /// The types of the placeholders of `key`'s pattern.
    func types(of key: Key) -> [String: CacheParameterType] {
        SchemaAnalyzer.types(of: key, in: entities[key.entity])
    }

    /// The shape of `key`'s concrete keys, with the namespace unless `namespaced` is false, and the hash tag's braces
    /// unless `braces` is false.
    func shape(of key: Key, namespaced: Bool = true, braces: Bool = true) -> KeyShape {
        KeyShape(analysis[key].layout, types: types(of: key), namespace: namespaced ? schema.namespace : nil, braces: braces)
    }

    /// The concrete keys `key` can produce, with the namespace unless `namespaced` is false.
    func language(of key: Key, namespaced: Bool) -> KeyLanguage {
        KeyLanguage(analysis[key].layout, types: types(of: key), prefix: namespaced ? schema.namespace : nil)
    }

    /// What `related`, a related pattern of `entity`, matches, with the namespace unless `namespaced` is false.
    func language(of related: SchemaPattern, in entity: Entity, namespaced: Bool) -> KeyLanguage {
        KeyLanguage(entity.layout(of: related), types: SchemaAnalyzer.identityTypes(of: entity), prefix: namespaced ? schema.namespace : nil)
    }

    /// The entities whose invalidation reaches `key`, in the analysis' order, each with the routes it takes.
    func reachingEntities(of key: Key) -> [(entity: String, routes: [Reach.Route])] {
        var result: [(entity: String, routes: [Reach.Route])] = []
        for reach in analysis[key].reach {
            if let index = result.firstIndex(where: { $0.entity == reach.entity }) {
                result[index].routes.append(reach.route)
            } else {
                result.append((reach.entity, [reach.route]))
            }
        }
        return result
    }

    /// Whether `entity` indexes `key`: stores of the key add it to the index set of the entity's instance, which every
    /// invalidation of that instance empties whatever schema version runs it.
    func indexes(_ key: Key, under entity: String) -> Bool {
        analysis[key].owners.contains { $0.entity == entity }
    }

    /// What the hash tag of `entity`'s instances wraps, each id placeholder with how its value is encoded: two
    /// versions whose tags agree (see `SchemaComparison`) name one instance's index set and generation marker alike.
    func instanceTagShape(of entity: String) -> [KeyShape.Token]? {
        guard let declared = entities[entity] else { return nil }
        let types = SchemaAnalyzer.identityTypes(of: declared)
        return analysis.instanceTag(of: declared).segments.map { segment in
            switch segment {
            case .placeholder(let name, _): .value(name: name, type: Self.canonical(types[name] ?? .string))
            case .literal(let text): .literal(text)
            case .anyRun: .literal("*")
            case .anyCharacter: .literal("?")
            }
        }
    }

    /// Every parameter name `entity` uses: its id parameters and its keys' own.
    func parameterNames(of entity: String) -> Set<String> {
        guard let declared = entities[entity] else { return [] }
        return Set(declared.identity.map(\.name) + declared.keys.flatMap { $0.parameters.map(\.name) })
    }

    /// The instance tag of `entity` as people read it (`{<user_id>}`).
    func instanceTagDisplay(of entity: String) -> String {
        entities[entity].map { analysis.instanceTag(of: $0).description } ?? "-"
    }

    /// The generated invalidation method of `entity`: `invalidateUser`.
    func method(_ entity: String) -> String {
        "invalidate" + (entities[entity]?.swiftTypeName ?? entity.prefix(1).uppercased() + entity.dropFirst())
    }

    /// The method with its labels: `invalidateUser(userID:)`.
    func signature(_ entity: Entity) -> String {
        "invalidate\(entity.swiftTypeName)(\(entity.identity.map { "\($0.swiftName):" }.joined()))"
    }

    /// The key's TTL as written in a duration (`5m`).
    func ttl(of key: Key) -> String {
        DurationLiteral.format(key.ttl.milliseconds)
    }

    private static func canonical(_ type: CacheParameterType) -> CacheParameterType {
        switch KeyShape.Encoding(type) {
        case .text: .string
        case .int: .int
        case .uuid: .uuid
        case .bool: .bool
        }
    }
}
