import CacheSchemaCore

/// The decisions the renderer and `explain` write out, made once from what reaches each key: its arguments, its own
/// entity's route, where its hash tag sits, its owners and their instances' tags, and which related patterns the
/// index covers.
extension SchemaAnalyzer {
    static func decide(_ schema: Schema, reach: [String: [Reach]], entitiesByName: [String: Entity]) -> SchemaAnalysis {
        var analysed: [String: KeyAnalysis] = [:]
        let tags = Dictionary(schema.entities.map { ($0.name, $0.instanceTag) }, uniquingKeysWith: { first, _ in first })
        for key in schema.keys {
            let entity = entitiesByName[key.entity]
            let arguments = arguments(of: key, in: entity)
            analysed[key.name] = KeyAnalysis(
                arguments: arguments,
                route: entity?.invalidationRoute(of: key) ?? .unreachable(missing: []),
                layout: entity?.layout(of: key.pattern) ?? CacheKeyLayout(key.pattern.parsed, entity: key.entity, identity: []),
                reach: reach[key.name] ?? [],
                owners: owners(of: key, arguments: arguments, reach: reach[key.name] ?? [], entitiesByName: entitiesByName, tags: tags))
        }
        // The keys each related pattern reaches, in file order, each once.
        var reachedKeys: [RelatedPattern: [String]] = [:]
        for key in schema.keys {
            for entry in reach[key.name] ?? [] {
                guard case .related(let pattern) = entry.route else { continue }
                let id = RelatedPattern(entity: entry.entity, pattern: pattern)
                if reachedKeys[id]?.last != key.name { reachedKeys[id, default: []].append(key.name) }
            }
        }
        var related: [RelatedPattern: RelatedAnalysis] = [:]
        for entity in schema.entities {
            for pattern in entity.related {
                let id = RelatedPattern(entity: entity.name, pattern: pattern.text)
                let reaches = reachedKeys[id] ?? []
                // The index holds one instance's keys: it can stand for the glob only when the glob is confined to
                // one instance too (it binds every id parameter). `orders:*` in an entity reaches every instance's
                // keys, and an invalidation must delete them all, not just the invalidated instance's.
                let bindsInstance = Set(entity.identity.map(\.name)).isSubset(of: Set(pattern.placeholders))
                let indexed = bindsInstance && !reaches.isEmpty && reaches.allSatisfy { name in
                    analysed[name]?.owners.contains { $0.entity == entity.name } ?? false
                }
                related[id] = RelatedAnalysis(reaches: reaches, isIndexed: indexed, layout: entity.layout(of: pattern))
            }
        }
        return SchemaAnalysis(keys: analysed, related: related, instanceTags: tags)
    }

    /// The parameters a key function takes: identity parameters used by the pattern, then the key's own.
    static func arguments(of key: Key, in entity: Entity?) -> [Parameter] {
        let placeholders = Set(key.pattern.placeholders)
        let identity = entity?.identity.filter { placeholders.contains($0.name) } ?? []
        return identity + key.parameters
    }

    /// The entity instances that index a key: entities that reach it and whose identity it carries.
    static func owners(
        of key: Key, arguments: [Parameter], reach: [Reach], entitiesByName: [String: Entity], tags: [String: CacheInstanceTag]
    ) -> [KeyAnalysis.Owner] {
        let placeholders = Set(key.pattern.placeholders)
        let argumentTypes = Dictionary(arguments.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        var result: [KeyAnalysis.Owner] = []
        var seen: Set<String> = []
        for entry in reach {
            guard let entity = entitiesByName[entry.entity], !seen.contains(entity.name) else { continue }
            let carries = entity.identity.allSatisfy { placeholders.contains($0.name) && argumentTypes[$0.name] == $0.type }
            if carries {
                seen.insert(entity.name)
                result.append(KeyAnalysis.Owner(entity: entity.name, identity: entity.identity.map(\.name), tag: tags[entity.name] ?? entity.instanceTag))
            }
        }
        return result
    }
}
