import CacheSchemaCore

/// Keys: one kept (by name or renamed), added or removed.
extension SchemaComparison {
    mutating func compare(_ pair: KeyPair) {
        let relation = relation(old: pair.old, new: pair.new)
        let oldReach = old.reachingEntities(of: pair.old)
        let newReach = new.reachingEntities(of: pair.new)
        let common = oldReach.map(\.entity).filter { entity in newReach.contains { $0.entity == entity } }
        let shared = relation == .identical
        let oldText = old.display(pair.old), newText = new.display(pair.new)

        switch relation {
        case .identical, .namespaceOnly:
            break
        case .typesDiffer(let changes):
            let oldTypes = changes.map { "\($0.name): \($0.old)" }.joined(separator: ", ")
            let newTypes = changes.map { "\($0.name): \($0.new)" }.joined(separator: ", ")
            let first = changes[0]
            let reason = "Old processes write '\(first.name)' as \(Self.article(first.old)), new processes as \(Self.article(first.new)), and one value need not give one key text (an Int is written in decimal, a UUID in canonical lower case, a String percent-encoded as given): old processes use \(oldText), new processes \(newText)"
            report(keyChange(.parameterTypeChanged, pair, old: oldTypes, new: newTypes, effect: unsharedEffect(pair, reason: reason, common: common)))
        case .tagMoved:
            let reason = "The key's text is the same but for its Redis Cluster hash tag, so Redis holds them as different keys: old processes use \(oldText), new processes \(newText)"
            report(keyChange(.hashTagMoved, pair, old: oldText, new: newText, effect: unsharedEffect(pair, reason: reason, common: common)))
        case .different:
            let reason = "Old processes use \(oldText), new processes \(newText)"
            report(keyChange(.patternChanged, pair, old: oldText, new: newText, effect: unsharedEffect(pair, reason: reason, common: common)))
        }

        if shared && pair.renamed {
            report(keyChange(
                .keyRenamed, pair, old: pair.old.name, new: pair.new.name,
                effect: "Both versions use \(newText), but a value's envelope carries a fingerprint of its key's name and value type, so each version reads the values the other stores as misses: each is logged, loaded again and overwritten, so hit rates drop and loads rise until the deploy ends; never a wrong value. Metrics and logs say '\(pair.new.name)' in new processes"))
        }
        if shared, Self.normalized(pair.old.valueType) != Self.normalized(pair.new.valueType) {
            reportValueType(pair, keyText: newText)
        }
        compareReach(pair, oldReach: oldReach, newReach: newReach, shared: shared)
        if shared && !namespaceChanged {
            compareIndexes(pair, common: common, keyText: newText)
        }
        if pair.old.ttl.milliseconds != pair.new.ttl.milliseconds {
            let oldTTL = old.ttl(of: pair.old), newTTL = new.ttl(of: pair.new)
            report(keyChange(
                .ttlChanged, pair, old: Self.ttlText(pair.old), new: Self.ttlText(pair.new),
                effect: "Values keep the TTL they were stored with: \(oldTTL) from old processes, \(newTTL) from new ones; nothing else changes"))
        }
        if pair.old.freshness != pair.new.freshness {
            report(keyChange(
                .freshnessChanged, pair, old: pair.old.freshness.summary ?? "plain expiry", new: pair.new.freshness.summary ?? "plain expiry",
                effect: Self.freshnessEffect(old: pair.old.freshness, new: pair.new.freshness)))
        }
        if pair.old.nearCache != pair.new.nearCache {
            report(keyChange(
                .nearCacheChanged, pair, old: pair.old.nearCache?.summary ?? "none", new: pair.new.nearCache?.summary ?? "none",
                effect: "Each process keeps values in its memory as its own version says; Redis' invalidation pushes (CLIENT TRACKING) drop them when either version writes or invalidates the key, so the processes stay coherent with each other (a near cache is off on RESP2 servers)"))
        }
        if shared {
            compareDefaults(pair)
        }
    }

    mutating func compareAdded(_ key: Key) {
        let text = new.display(key)
        var covered: [String] = []
        var uncovered: [String] = []
        for (entity, _) in new.reachingEntities(of: key) {
            if let route = reach(by: old, entity: entity, keyStoredBy: new, key: key) {
                covered.append("\(old.method(entity)) already deletes it (\(Self.phrase(route, entity: entity)))")
            } else {
                uncovered.append(entity)
            }
        }
        let change: SchemaChange
        if uncovered.isEmpty {
            var effect = "Only new processes read and write \(text); old processes never touch it"
            effect += covered.isEmpty ? ", and no invalidation reaches it (it expires by its TTL)" : ", and their " + Self.list(covered)
            change = SchemaChange(
                .keyAdded, subject: .key, name: key.name, entity: key.entity, keyName: key.name, new: text, effect: effect,
                file: new.file, line: key.location.line)
        } else {
            let missing = uncovered.map { entity in
                old.entities[entity] == nil ? "old processes have no \(new.method(entity))" : "old processes' \(old.method(entity)) does not delete it"
            }
            let methods = Self.list(uncovered.map { new.method($0) })
            let effect = "Only new processes read and write \(text), and their \(methods) delete\(uncovered.count == 1 ? "s" : "") it, but \(Self.list(missing)): if an old process changes the data it holds during the deploy, new processes can serve the previous value for \(ttlBound(old: nil, new: key)); once the deploy ends, this stops"
            change = SchemaChange(
                .invalidatedKeyAdded, subject: .key, name: key.name, entity: key.entity, keyName: key.name, new: text, effect: effect,
                file: new.file, line: key.location.line)
        }
        report(change)
    }

    mutating func compareRemoved(_ key: Key) {
        guard new.entities[key.entity] != nil else { return }  // entity-removed says what goes with the entity
        let text = old.display(key)
        var covered: [String] = []
        var uncovered: [String] = []
        // Entities the new schema no longer has are entity-removed's business.
        for (entity, _) in old.reachingEntities(of: key) where new.entities[entity] != nil {
            if let route = reach(by: new, entity: entity, keyStoredBy: old, key: key) {
                covered.append("\(new.method(entity)) still deletes it (\(Self.phrase(route, entity: entity)))")
            } else {
                uncovered.append(entity)
            }
        }
        let change: SchemaChange
        if uncovered.isEmpty {
            var effect = "Old processes keep reading and writing \(text) until the deploy ends"
            effect += covered.isEmpty ? ", and no invalidation reached it" : ", and new processes' " + Self.list(covered)
            effect += "; then its keys are orphans until they expire (at most \(old.ttl(of: key)))"
            change = SchemaChange(
                .keyRemoved, subject: .key, name: key.name, entity: key.entity, oldKeyName: key.name, old: text, effect: effect,
                touches: [key.name], file: old.file, line: key.location.line)
        } else {
            let methods = Self.list(uncovered.map { new.method($0) })
            let effect = "Old processes keep reading and writing \(text), but new processes' \(methods) no longer delete\(uncovered.count == 1 ? "s" : "") it: after a change that a new process handles, old processes can serve the previous value for \(ttlBound(old: key, new: nil)) until the deploy ends; then its keys are orphans until they expire"
            change = SchemaChange(
                .invalidatedKeyRemoved, subject: .key, name: key.name, entity: key.entity, oldKeyName: key.name, old: text, effect: effect,
                touches: [key.name], file: old.file, line: key.location.line)
        }
        report(change)
    }

    /// A change of a kept key, located in the new file.
    func keyChange(_ kind: SchemaChange.Kind, _ pair: KeyPair, old oldValue: String?, new newValue: String?, effect: String) -> SchemaChange {
        SchemaChange(
            kind, subject: .key, name: pair.new.name, entity: pair.new.entity, keyName: pair.new.name, oldKeyName: pair.old.name,
            old: oldValue, new: newValue, effect: effect, touches: [pair.old.name], file: new.file, line: pair.new.location.line)
    }

    /// What a key whose versions store different keys does: writes never cross, invalidations may.
    private func unsharedEffect(_ pair: KeyPair, reason: String, common: [String]) -> String {
        let crossing = common.filter { entity in
            reach(by: old, entity: entity, keyStoredBy: new, key: pair.new) != nil && reach(by: new, entity: entity, keyStoredBy: old, key: pair.old) != nil
        }
        let methods = Self.list(common.map { new.method($0) })
        var effect = reason
        if !common.isEmpty && crossing.count == common.count {
            effect += ". Invalidations (\(methods)) still delete both versions' keys, but a write (set, write-through) in one version leaves the other's key as it was"
        } else if common.isEmpty {
            effect += ". A write (set, write-through) in one version leaves the other's key as it was"
        } else {
            effect += ". Neither a write (set, write-through) nor an invalidation (\(methods)) in one version reaches the keys the other stores"
        }
        effect += ", so after a change handled by one version the other can serve the previous value for \(ttlBound(old: pair.old, new: pair.new)) until the deploy ends; the old keys are then orphans until they expire"
        return effect
    }

    private mutating func reportValueType(_ pair: KeyPair, keyText: String) {
        let misses = "each version reads the values the other stores as misses: each is logged, loaded again and overwritten, so hit rates drop and loads rise until the deploy ends; never a wrong value"
        var effect = "Both versions use \(keyText), but a value's envelope carries a fingerprint of its key's name and Swift type, so "
        switch (pair.old.valueType, pair.new.valueType) {
        case (nil, let type?):
            effect += "if the call sites chose \(type) before, nothing changes; otherwise \(misses)"
        case (let type?, nil):
            effect += "if the call sites choose \(type), nothing changes; otherwise \(misses)"
        default:
            effect += misses
        }
        report(keyChange(
            .valueTypeChanged, pair, old: pair.old.valueType ?? "(chosen at the call site)", new: pair.new.valueType ?? "(chosen at the call site)",
            effect: effect))
    }

    /// Entities whose invalidation stops or starts reaching a kept key. Entities only the old schema has are
    /// entity-removed's business.
    private mutating func compareReach(
        _ pair: KeyPair, oldReach: [(entity: String, routes: [Reach.Route])], newReach: [(entity: String, routes: [Reach.Route])], shared: Bool
    ) {
        let keyText = new.display(pair.new)
        for (entity, routes) in oldReach where new.entities[entity] != nil && !newReach.contains(where: { $0.entity == entity }) {
            let method = new.method(entity)
            let own = routes.contains { if case .related = $0 { false } else { true } }
            var effect = "New processes' \(method) no longer deletes \(keyText)"
            if own {
                effect += pair.new.entity != entity ? " (it now belongs to entity '\(pair.new.entity)')" : " (its pattern lacks an id parameter of '\(entity)')"
            }
            effect += ": after a change of '\(entity)' that a new process handles, every process can serve the previous value for \(ttlBound(old: pair.old, new: pair.new)), during the deploy and after it"
            if shared { effect += " (old processes' \(old.method(entity)) still deletes it until the deploy ends)" }
            effect += "; if that is not intended, give '\(entity)' a related pattern that matches it"
            report(keyChange(
                own ? .invalidationStopsReaching : .relatedStopsReaching, pair, old: Self.describe(routes, method: old.method(entity)),
                new: "not reached by \(method)", effect: effect))
        }
        for (entity, routes) in newReach where !oldReach.contains(where: { $0.entity == entity }) {
            let method = new.method(entity)
            let own = routes.contains { if case .related = $0 { false } else { true } }
            var effect = "New processes' \(method) now deletes \(keyText)"
            if old.entities[entity] == nil {
                effect += "; old processes have no \(method), so a change an old process makes leaves it as stale as before (\(ttlBound(old: pair.old, new: pair.new))) until the deploy ends"
            } else if let route = reach(by: old, entity: entity, keyStoredBy: new, key: pair.new) {
                effect += "; old processes' \(old.method(entity)) deletes what new processes store too (\(Self.phrase(route, entity: entity)))"
            } else {
                effect += "; old processes' \(old.method(entity)) does not, so a change of '\(entity)' that an old process handles leaves it as stale as before (\(ttlBound(old: pair.old, new: pair.new))) until the deploy ends"
            }
            if shared && reach(by: new, entity: entity, keyStoredBy: old, key: pair.old) == nil {
                effect += "; values old processes stored are not in the index set of '\(entity)', so no \(method) deletes them until they expire (at most \(old.ttl(of: pair.old)))"
            }
            report(keyChange(
                own ? .invalidationAdded : .relatedAdded, pair, old: "not reached by \(old.method(entity))", new: Self.describe(routes, method: method),
                effect: effect))
        }
    }

    /// A key both versions share, reached by an entity in both, whose stores one version's invalidation no longer
    /// finds: the entity's index set (and generation marker) is named after its instances' hash tag, and a store adds
    /// its key only to the index sets of the entities that index it in the storing process's schema.
    private mutating func compareIndexes(_ pair: KeyPair, common: [String], keyText: String) {
        var broken: [String] = []
        var reasons: [String] = []
        for entity in common {
            let newMissesOld = reach(by: new, entity: entity, keyStoredBy: old, key: pair.old) == nil
            let oldMissesNew = reach(by: old, entity: entity, keyStoredBy: new, key: pair.new) == nil
            guard newMissesOld || oldMissesNew else { continue }
            broken.append(entity)
            let oldTag = old.instanceTagDisplay(of: entity), newTag = new.instanceTagDisplay(of: entity)
            if !sameInstanceTags.contains(entity) {
                reasons.append("the instances of '\(entity)' changed hash tag (\(oldTag) → \(newTag)), which names their index set and generation marker")
            }
            if old.indexes(pair.old, under: entity) != new.indexes(pair.new, under: entity) {
                let storer = old.indexes(pair.old, under: entity) ? "new" : "old"
                reasons.append("\(storer) processes do not add it to the index set of '\(entity)' (it does not carry that entity's id parameters with their types in their schema)")
            }
            if newMissesOld { reasons.append("new processes' \(new.method(entity)) misses the values old processes store") }
            if oldMissesNew { reasons.append("old processes' \(old.method(entity)) misses the values new processes store") }
        }
        guard !broken.isEmpty else { return }
        let effect = "Both versions use \(keyText), but \(Self.list(reasons)), so after a change handled by one version the other can serve the previous value for \(ttlBound(old: pair.old, new: pair.new)) until the deploy ends"
        report(keyChange(
            .indexChanged, pair, old: Self.describeIndexing(pair.old, in: old, under: broken),
            new: Self.describeIndexing(pair.new, in: new, under: broken), effect: effect))
    }

    /// `indexed under account {<user_id>}`, or `not indexed under account`.
    static func describeIndexing(_ key: Key, in side: DiffSide, under entities: [String]) -> String {
        entities.map { entity in
            side.indexes(key, under: entity) ? "indexed under \(entity) \(side.instanceTagDisplay(of: entity))" : "not indexed under \(entity)"
        }.joined(separator: ", ")
    }

    /// Defaults of the key's parameters, matched by place (a renamed parameter keeps its place).
    private mutating func compareDefaults(_ pair: KeyPair) {
        let renaming = KeyShape.renaming(old: old.shape(of: pair.old), new: new.shape(of: pair.new))
        let newArguments = Dictionary(new.analysis[pair.new].arguments.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for parameter in old.analysis[pair.old].arguments {
            let name = renaming[parameter.name] ?? parameter.name
            guard let counterpart = newArguments[name], counterpart.defaultValue != parameter.defaultValue else { continue }
            let oldDefault = Self.text(parameter.defaultValue), newDefault = Self.text(counterpart.defaultValue)
            report(keyChange(
                .defaultChanged, pair, old: "\(parameter.name) = \(oldDefault ?? "no default")", new: "\(name) = \(newDefault ?? "no default")",
                effect: "Both versions share the keys, but where a call leaves '\(name)' out, old processes use \(oldDefault ?? "no value (they must pass it)") and new processes \(newDefault ?? "no value (they must pass it)"), so such calls read different keys until the deploy ends"))
        }
    }

    // MARK: Wording

    static func describe(_ routes: [Reach.Route], method: String) -> String {
        routes.map { route in
            switch route {
            case .exactKey: "\(method) (one of its keys, by name)"
            case .keyGlob: "\(method) (one of its keys, every value of its own parameters)"
            case .related(let pattern): "\(method) via \"\(pattern)\""
            }
        }.joined(separator: "; ")
    }

    static func ttlText(_ key: Key) -> String {
        DurationLiteral.format(key.ttl.milliseconds) + (key.ttl.className.map { " (\($0))" } ?? "")
    }

    static func text(_ value: DefaultValue?) -> String? {
        switch value {
        case .string(let text)?: SwiftSource.stringLiteral(text)
        case .int(let number)?: String(number)
        case .bool(let flag)?: String(flag)
        case .uuid(let text)?: text
        case nil: nil
        }
    }

    /// A value type as its fingerprint sees it, spaces aside.
    static func normalized(_ type: String?) -> String? {
        type.map { $0.filter { $0 != " " } }
    }

    static func article(_ type: CacheParameterType) -> String {
        let name = type.description
        return (["A", "E", "I", "O", "U"].contains(name.prefix(1)) && type != .uuid ? "an " : "a ") + name
    }

    static func freshnessEffect(old a: Freshness, new b: Freshness) -> String {
        var parts: [String] = []
        let oldStale = a.staleWindow ?? 0, newStale = b.staleWindow ?? 0
        if oldStale != newStale {
            let gap = DurationLiteral.format(abs(newStale - oldStale))
            let (longer, shorter) = newStale > oldStale ? ("new", "old") : ("old", "new")
            parts.append(
                "each process stores values for their TTL plus its own stale window (old \(a.staleWindow.map(DurationLiteral.format) ?? "none"), new \(b.staleWindow.map(DurationLiteral.format) ?? "none")) and reads the window off the remaining TTL: \(shorter) processes serve values \(longer) processes stored as fresh for up to \(gap) past their TTL without refreshing them, and \(longer) processes take the last \(gap) of values \(shorter) processes stored as stale (served while one caller refreshes them)")
        }
        if a.earlyRefreshThousandths != b.earlyRefreshThousandths {
            switch (a.earlyRefreshText, b.earlyRefreshText) {
            case (nil, let beta?):
                parts.append("only new processes refresh early (β \(beta)), and values old processes stored carry no load time, so new processes do not refresh those early")
            case (let beta?, nil):
                parts.append("only old processes refresh early (β \(beta)), until the deploy ends")
            case (let before?, let after?):
                parts.append("old processes refresh early with β \(before), new ones with β \(after)")
            case (nil, nil):
                break
            }
        }
        if a.jitterBasisPoints != b.jitterBasisPoints {
            parts.append("each process shortens the TTLs it stores at random by up to its own jitter (old \(a.jitterText ?? "none"), new \(b.jitterText ?? "none"))")
        }
        let joined = parts.joined(separator: "; ")
        return joined.prefix(1).uppercased() + joined.dropFirst() + ". Values are never wrong: this only moves when they are reloaded"
    }
}
