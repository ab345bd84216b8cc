import CacheSchemaCore

/// What hash tags cannot give on a Redis Cluster, said where the schema causes it: a key indexed under an instance
/// whose tag differs from the key's own (its index set and marker may live in another slot), and a related pattern
/// that the index does not cover (its SCAN walks every primary).
extension SchemaAnalyzer {
    static func checkSlots(_ schema: Schema, analysis: SchemaAnalysis, diagnostics: inout DiagnosticCollector) {
        let entitiesByName = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let qualified = { (text: String) in schema.namespace.map { "\($0):\(text)" } ?? text }
        func method(_ entity: String) -> String { "invalidate\(entitiesByName[entity]?.swiftTypeName ?? entity)" }

        // 1. Owners whose instances carry another tag than the key: another entity's related pattern reaches it.
        for key in schema.keys {
            let decided = analysis[key]
            for owner in decided.owners where !owner.tag.isSameTag(as: decided.layout) {
                let keyTag = "{" + CacheKeyLayout.display(decided.layout.tag) + "}"
                diagnostics.report(
                    .crossSlotOwner,
                    "key '\(key.name)' (\"\(qualified(decided.layout.description))\") is indexed under entity '\(owner.entity)', whose instances' hash tag is \(owner.tag), not the key's \(keyTag): on a Redis Cluster the key can sit in another slot than that instance's index set and marker, so \(method(owner.entity)) removes it slot by slot, not in one atomic step with the instance's own keys; to keep them in one slot, move the key to an entity with the id of '\(owner.entity)', or narrow the related pattern of '\(owner.entity)' so that it does not match the key",
                    at: key.pattern.location)
            }
        }

        // 2. Related patterns that reach declared keys the index does not cover. (One that reaches none is
        // `related-matches-nothing`, whose message says the same about SCAN.)
        for entity in schema.entities {
            for pattern in entity.related {
                let related = analysis[related: pattern, of: entity]
                guard !related.reaches.isEmpty, !related.isIndexed else { continue }
                let unindexed = schema.keys.filter { key in
                    related.reaches.contains(key.name) && !analysis[key].owners.contains { $0.entity == entity.name }
                }
                guard let first = unindexed.first else { continue }
                let names = unindexed.map { "'\($0.name)'" }.joined(separator: ", ")
                diagnostics.report(
                    .scanFallback,
                    "related pattern \"\(pattern.text)\" of entity '\(entity.name)' reaches \(unindexed.count == 1 ? "key" : "keys") \(names), which \(unindexed.count == 1 ? "is" : "are") not indexed under '\(entity.name)' (\(reason(first, arguments: analysis[first].arguments, isNotIndexedUnder: entity))), so \(method(entity.name)) deletes what the pattern matches with SCAN, which reads the whole keyspace and on a Redis Cluster walks every primary; make every key it reaches carry the id parameters of '\(entity.name)', or narrow the pattern",
                    at: pattern.location)
            }
        }
    }

    /// Why a key that a related pattern of `entity` reaches is not indexed under it: an id parameter its pattern lacks,
    /// or one it declares with another type.
    private static func reason(_ key: Key, arguments: [Parameter], isNotIndexedUnder entity: Entity) -> String {
        let placeholders = Set(key.pattern.placeholders)
        if let missing = entity.identity.first(where: { !placeholders.contains($0.name) }) {
            return "'\(key.name)' lacks '{\(missing.name)}'"
        }
        for parameter in entity.identity {
            if let own = arguments.first(where: { $0.name == parameter.name }), own.type != parameter.type {
                return "'{\(parameter.name)}' of '\(key.name)' is \(own.type), not \(parameter.type)"
            }
        }
        return "'\(key.name)' does not carry its identity"
    }
}
