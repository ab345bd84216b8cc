import CacheSchemaCore

/// The namespace, entities, and related patterns that match no declared key: what is not one key's business.
extension SchemaComparison {
    mutating func compareNamespaces() {
        guard namespaceChanged else { return }
        let oldKeys = old.schema.keys
        let kept = oldKeys.filter { key in
            new.keys[key.name].map { KeyShape.relation(old: old.shape(of: key), new: new.shape(of: $0)) == .same } ?? false
        }
        let longest = oldKeys.map(\.ttl.milliseconds).max().map(DurationLiteral.format) ?? "-"
        let oldPrefix = old.schema.namespace.map { "\($0):…" } ?? "no namespace"
        let newPrefix = new.schema.namespace.map { "\($0):…" } ?? "no namespace"
        var effect = "Keys move from \(oldPrefix) to \(newPrefix)"
        if !kept.isEmpty {
            effect += " (\(Self.list(kept.map { "'\($0.name)'" })) keep\(kept.count == 1 ? "s" : "") its text, the pattern having taken the namespace in)"
        }
        effect += ", and so do the runtime's own keys (index sets, generation markers, fill leases)"
        effect += ": the two versions share no cached value, and neither version's writes or invalidations reach the keys the other stores"
        effect += " (its invalidations empty other index sets), so after a change handled by one version the other can serve the previous value"
        effect += " for up to the key's TTL (at most \(longest)) until the deploy ends; the old keys are then orphans until they expire"
        report(SchemaChange(
            .namespaceChanged, subject: .schema, name: new.schema.namespace ?? old.schema.namespace ?? "",
            old: old.schema.namespace ?? "(none)", new: new.schema.namespace ?? "(none)", effect: effect,
            touches: oldKeys.map(\.name), file: new.file, line: nil))
    }

    mutating func compareEntities() {
        for entity in old.schema.entities where new.entities[entity.name] == nil {
            reportRemoved(entity)
        }
        for entity in new.schema.entities where old.entities[entity.name] == nil {
            report(SchemaChange(
                .entityAdded, subject: .entity, name: entity.name, entity: entity.name, new: new.signature(entity),
                effect: "Only new processes run \(new.method(entity.name)); old processes never call it, and its keys are reported one by one",
                file: new.file, line: entity.location.line))
        }
    }

    private mutating func reportRemoved(_ entity: Entity) {
        let ownKeys = entity.keys.map(\.name)
        let reachedOthers = old.schema.keys.filter { key in
            key.entity != entity.name && old.analysis[key].reach.contains { $0.entity == entity.name }
        }
        let reachedOwn = entity.keys.filter { key in old.analysis[key].reach.contains { $0.entity == entity.name } }
        let reached = reachedOwn + reachedOthers
        let method = old.method(entity.name)
        var effect = "New processes no longer have \(method)"
        if reached.isEmpty {
            effect += "; it reached no declared key, but what its related patterns matched (keys written outside the schema) is no longer deleted by new processes"
        } else {
            let longest = DurationLiteral.format(reached.map(\.ttl.milliseconds).max() ?? 0)
            effect += ": after a change of '\(entity.name)' that a new process handles, old processes can serve the previous value of "
            effect += Self.list(reached.map { "'\($0.name)'" }) + " for up to the key's TTL (at most \(longest)) until the deploy ends"
        }
        let moved = entity.keys.filter { new.keys[$0.name] != nil }.map { "'\($0.name)' (now in entity '\(new.keys[$0.name]?.entity ?? "")')" }
        let gone = entity.keys.filter { new.keys[$0.name] == nil }.map { "'\($0.name)'" }
        if !gone.isEmpty {
            effect += "; \(Self.list(gone)) \(gone.count == 1 ? "goes" : "go") with it (old processes keep using \(gone.count == 1 ? "it" : "them") until the deploy ends, then \(gone.count == 1 ? "its" : "their") keys are orphans until they expire)"
        }
        let keptReached = reachedOthers.filter { new.keys[$0.name] != nil }.map { "'\($0.name)'" } + moved
        if !keptReached.isEmpty {
            effect += "; \(Self.list(keptReached)) \(keptReached.count == 1 ? "stays" : "stay") in the schema but \(method) no longer exists to delete \(keptReached.count == 1 ? "it" : "them"), in any process once the deploy ends"
        }
        report(SchemaChange(
            .entityRemoved, subject: .entity, name: entity.name, entity: entity.name, old: old.signature(entity), effect: effect,
            touches: ownKeys + reachedOthers.map(\.name), file: old.file, line: entity.location.line))
    }

    /// Related patterns that match no declared key, added or removed: what they delete are keys written outside the
    /// schema (by `deletePattern` users or other code), found by SCAN. Patterns that reach declared keys are compared
    /// key by key instead (`related-stops-reaching`, `related-added`).
    mutating func compareUnmatchedRelatedPatterns() {
        for entity in new.schema.entities {
            let before = Set(old.entities[entity.name]?.related.map(\.text) ?? [])
            for pattern in entity.related where !before.contains(pattern.text) && new.analysis[related: pattern, of: entity].reaches.isEmpty {
                report(SchemaChange(
                    .relatedAdded, subject: .related, name: pattern.text, entity: entity.name, new: new.qualified(entity.layout(of: pattern).description),
                    effect: "It matches no declared key: new processes' \(new.method(entity.name)) deletes what it matches with SCAN (keys written outside the schema); old processes' does not, until the deploy ends",
                    file: new.file, line: pattern.location.line))
            }
        }
        for entity in old.schema.entities {
            guard let counterpart = new.entities[entity.name] else { continue }  // entity-removed says it
            let after = Set(counterpart.related.map(\.text))
            for pattern in entity.related where !after.contains(pattern.text) && old.analysis[related: pattern, of: entity].reaches.isEmpty {
                report(SchemaChange(
                    .relatedRemoved, subject: .related, name: pattern.text, entity: entity.name, old: old.qualified(entity.layout(of: pattern).description),
                    effect: "It matched no declared key: new processes' \(new.method(entity.name)) no longer deletes (with SCAN) what it matched, keys written outside the schema, which then stay until they expire or other code deletes them; old processes still delete them until the deploy ends",
                    file: old.file, line: pattern.location.line))
            }
        }
    }
}
