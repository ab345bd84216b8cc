import CacheSchemaCore

/// The work behind ``SchemaDiff``: matches the two versions' entities and keys, then asks of each what a fleet running
/// both does. Changes come out in a fixed order (the namespace, entities, keys in the new file's order, removed keys
/// in the old file's order, related patterns); ``SchemaDiff`` then sorts them by severity, keeping that order within
/// each.
///
/// Two rules of the runtime decide most answers. A stored value's envelope carries a fingerprint of its key's name and
/// Swift type, so a version reads values stored under another name or type as misses, never as wrong values. And an
/// invalidation reaches a stored key in one of three ways, whichever version stored it: by its exact name; through
/// the index set of the invalidated instance (`<ns>:~idx:<entity>:{<tag>}`), which the invalidation empties whole and
/// which every store adds its key to for each entity that indexes it; or by SCAN over a related pattern the index
/// does not cover. ``reach(by:entity:keyStoredBy:key:)`` asks that across versions.
struct SchemaComparison {
    let old: DiffSide
    let new: DiffSide
    /// Whether the namespace changed: `namespace-changed` then says what that alone does, and keys are compared
    /// without it, so that every key is not reported again for it.
    let namespaceChanged: Bool
    /// The entities in both versions whose instances' hash tags agree, so that both name an instance's index set and
    /// generation marker alike: the same literals and the same id parameters (or renamed ones) encoded alike.
    let sameInstanceTags: Set<String>
    private(set) var changes: [SchemaChange] = []

    init(old: DiffSide, new: DiffSide) {
        self.old = old
        self.new = new
        namespaceChanged = old.schema.namespace != new.schema.namespace
        sameInstanceTags = Set(old.schema.entities.map(\.name).filter { entity in
            guard let before = old.instanceTagShape(of: entity), let after = new.instanceTagShape(of: entity), before.count == after.count else { return false }
            // An id parameter counts as renamed only when its old name is gone from the entity and its new name is new
            // to it: an entity whose id moved to another of its parameters names other instances.
            let oldNames = old.parameterNames(of: entity), newNames = new.parameterNames(of: entity)
            return zip(before, after).allSatisfy { pair in
                switch pair {
                case (.literal(let a), .literal(let b)): a == b
                case (.value(let a, let aType), .value(let b, let bType)): aType == bType && (a == b || (!newNames.contains(a) && !oldNames.contains(b)))
                default: false
                }
            }
        })
    }

    /// A key of the old schema and the key of the new schema that stands for it: the same name, or a renamed key with
    /// the same concrete keys.
    struct KeyPair {
        let old: Key
        let new: Key
        let renamed: Bool
    }

    /// How an invalidation in one version reaches a key stored by the other.
    enum CrossRoute {
        case index, name, scan
    }

    /// Every change, in the order described above.
    static func changes(old: DiffSide, new: DiffSide) -> [SchemaChange] {
        var comparison = SchemaComparison(old: old, new: new)
        comparison.run()
        return comparison.changes
    }

    private mutating func run() {
        compareNamespaces()
        compareEntities()
        let (pairs, added, removed) = matchKeys()
        let pairsByNewName = Dictionary(pairs.map { ($0.new.name, $0) }, uniquingKeysWith: { first, _ in first })
        let addedNames = Set(added.map(\.name))
        for key in new.schema.keys {
            if let pair = pairsByNewName[key.name] {
                compare(pair)
            } else if addedNames.contains(key.name) {
                compareAdded(key)
            }
        }
        for key in removed {
            compareRemoved(key)
        }
        compareUnmatchedRelatedPatterns()
    }

    mutating func report(_ change: SchemaChange) {
        changes.append(change)
    }

    /// Pairs keys by name, then pairs each removed key with the first added key that has the same concrete keys (a
    /// rename). What is left is added or removed.
    private func matchKeys() -> (pairs: [KeyPair], added: [Key], removed: [Key]) {
        var pairs: [KeyPair] = []
        var removed: [Key] = []
        for key in old.schema.keys {
            if let counterpart = new.keys[key.name] {
                pairs.append(KeyPair(old: key, new: counterpart, renamed: false))
            } else {
                removed.append(key)
            }
        }
        var added = new.schema.keys.filter { old.keys[$0.name] == nil }
        var stillRemoved: [Key] = []
        for key in removed {
            if let index = added.firstIndex(where: { [.identical, .namespaceOnly].contains(relation(old: key, new: $0)) }) {
                pairs.append(KeyPair(old: key, new: added[index], renamed: true))
                added.remove(at: index)
            } else {
                stillRemoved.append(key)
            }
        }
        return (pairs, added, stillRemoved)
    }

    /// How a key's concrete keys changed.
    enum KeyRelation: Equatable {
        /// The same text for the same arguments: both versions read and write the same keys.
        case identical
        /// The same but for the namespace, which `namespace-changed` reports.
        case namespaceOnly
        /// Parameters in the pattern changed type.
        case typesDiffer([KeyShape.TypeChange])
        /// The same text but for where the hash tag's braces sit.
        case tagMoved
        /// Another text.
        case different
    }

    func relation(old oldKey: Key, new newKey: Key) -> KeyRelation {
        if KeyShape.relation(old: old.shape(of: oldKey), new: new.shape(of: newKey)) == .same { return .identical }
        let namespaced = !namespaceChanged
        let tagged = KeyShape.relation(old: old.shape(of: oldKey, namespaced: namespaced), new: new.shape(of: newKey, namespaced: namespaced))
        switch tagged {
        case .same: return .namespaceOnly
        case .typesDiffer(let changes): return .typesDiffer(changes)
        case .different: break
        }
        let untagged = KeyShape.relation(
            old: old.shape(of: oldKey, namespaced: namespaced, braces: false), new: new.shape(of: newKey, namespaced: namespaced, braces: false))
        return untagged == .same ? .tagMoved : .different
    }

    /// How `invalidator`'s invalidation of `entity` reaches the keys of `key` that processes running `writer` store:
    /// through the instance's index set (the writer indexes the key under the entity, and both versions name that
    /// set alike), by exact name (one of the entity's own keys in `invalidator` has the same concrete keys), or by
    /// SCAN (a related pattern the index does not cover matches them); `nil` when it does not reach them.
    func reach(by invalidator: DiffSide, entity name: String, keyStoredBy writer: DiffSide, key: Key) -> CrossRoute? {
        guard let entity = invalidator.entities[name] else { return nil }
        let namespaced = !namespaceChanged
        if writer.indexes(key, under: name), sameInstanceTags.contains(name) {
            return .index
        }
        let stored = writer.shape(of: key, namespaced: namespaced)
        for own in entity.keys where invalidator.analysis[own].route == .exactKey {
            if KeyShape.relation(old: stored, new: invalidator.shape(of: own, namespaced: namespaced)) == .same { return .name }
        }
        let unindexed = entity.related.filter { !invalidator.analysis[related: $0, of: entity].isIndexed }
        if !unindexed.isEmpty {
            let storedKeys = writer.language(of: key, namespaced: namespaced)
            for pattern in unindexed where invalidator.language(of: pattern, in: entity, namespaced: namespaced).commonMember(with: storedKeys) != nil {
                return .scan
            }
        }
        return nil
    }

    /// How a cross-version route reads in a sentence.
    static func phrase(_ route: CrossRoute, entity: String) -> String {
        switch route {
        case .index: "through the index set of '\(entity)'"
        case .name: "by its name"
        case .scan: "by SCAN over a related pattern"
        }
    }

    /// "up to its TTL (5m)", or with both versions' TTLs when they differ.
    func ttlBound(old oldKey: Key?, new newKey: Key?) -> String {
        switch (oldKey, newKey) {
        case (let a?, let b?) where a.ttl.milliseconds != b.ttl.milliseconds:
            "up to its TTL (\(old.ttl(of: a)) for values old processes stored, \(new.ttl(of: b)) for new processes')"
        case (let a?, _): "up to its TTL (\(old.ttl(of: a)))"
        case (nil, let b?): "up to its TTL (\(new.ttl(of: b)))"
        case (nil, nil): "up to its TTL"
        }
    }

    /// A list for people: `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }
}
