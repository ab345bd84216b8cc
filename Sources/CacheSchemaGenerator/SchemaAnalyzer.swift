import CacheSchemaCore

/// The analyse stage: a checked ``Schema`` in, its ``SchemaAnalysis`` out.
///
/// It decides what only the whole schema shows: two patterns that can produce one key (an error), which
/// invalidations reach which key, which entities own (index) each key, which related patterns the index covers, and
/// warns about keys no invalidation reaches, related patterns that match nothing, invalidation globs that also match
/// other keys, keys whose owners' index and marker live in another Redis Cluster slot, and related patterns that
/// fall back to SCAN. Keys are compared as Redis stores them, hash tags included (`CacheKeyLayout`).
enum SchemaAnalyzer {
    static func analyze(_ schema: Schema, diagnostics: inout DiagnosticCollector) -> SchemaAnalysis {
        let keys = schema.keys
        let entitiesByName = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // Every check below compares concrete keys as Redis stores them: with their hash tags, whose braces are
        // literal bytes (no value or literal contains one).
        let layouts = keys.map { key in
            entitiesByName[key.entity]?.layout(of: key.pattern) ?? CacheKeyLayout(key.pattern.parsed, entity: key.entity, identity: [])
        }
        var languages: [KeyLanguage] = []
        for (key, layout) in zip(keys, layouts) {
            languages.append(KeyLanguage(layout, types: types(of: key, in: entitiesByName[key.entity]), prefix: schema.namespace))
        }
        let qualified = { (text: String) in schema.namespace.map { "\($0):\(text)" } ?? text }

        let keyPrefixes = layouts.map(\.literalPrefix)
        let keySuffixes = layouts.map(\.literalSuffix)
        let index = PrefixIndex(prefixes: keyPrefixes)
        func suffixesAgree(_ a: String, _ b: String) -> Bool { a.hasSuffix(b) || b.hasSuffix(a) }
        var search = KeyLanguage.Search()

        // 1. Ambiguity: two keys that can produce the same concrete key.
        for j in keys.indices {
            for i in index.candidates(compatibleWith: keyPrefixes[j]).sorted() where i < j && suffixesAgree(keySuffixes[i], keySuffixes[j]) {
                if let example = languages[i].commonMember(with: languages[j], using: &search) {
                    diagnostics.report(
                        .ambiguousPatterns,
                        "key '\(keys[j].name)' (\"\(keys[j].pattern.text)\") and key '\(keys[i].name)' (\"\(keys[i].pattern.text)\", line \(keys[i].location.line)) can produce the same concrete key, e.g. \"\(example)\"; make their literal parts differ",
                        at: keys[j].pattern.location)
                }
            }
        }

        // 2. Which invalidation reaches which key.
        var reach: [String: [Reach]] = [:]
        var relatedMatched: Set<Int> = []
        var relatedLanguages: [(entity: Entity, pattern: SchemaPattern, layout: CacheKeyLayout, language: KeyLanguage)] = []
        for entity in schema.entities {
            let identityTypes = Self.identityTypes(of: entity)
            for pattern in entity.related {
                let layout = entity.layout(of: pattern)
                relatedLanguages.append((entity, pattern, layout, KeyLanguage(layout, types: identityTypes, prefix: schema.namespace)))
            }
        }
        var relatedReaching: [Int: [Int]] = [:]
        for (relatedIndex, related) in relatedLanguages.enumerated() {
            let suffix = related.layout.literalSuffix
            for keyIndex in index.candidates(compatibleWith: related.layout.literalPrefix).sorted() where suffixesAgree(suffix, keySuffixes[keyIndex]) {
                if related.language.commonMember(with: languages[keyIndex], using: &search) != nil {
                    relatedReaching[keyIndex, default: []].append(relatedIndex)
                    relatedMatched.insert(relatedIndex)
                }
            }
        }
        for (keyIndex, key) in keys.enumerated() {
            var routes: [Reach] = []
            var missingIdentity: [String] = []
            if let entity = entitiesByName[key.entity] {
                switch entity.invalidationRoute(of: key) {
                case .exactKey: routes.append(Reach(entity: entity.name, route: .exactKey))
                case .glob: routes.append(Reach(entity: entity.name, route: .keyGlob))
                case .unreachable(let missing): missingIdentity = missing
                }
            }
            for relatedIndex in relatedReaching[keyIndex] ?? [] {
                let related = relatedLanguages[relatedIndex]
                routes.append(Reach(entity: related.entity.name, route: .related(related.pattern.text)))
            }
            reach[key.name] = routes
            if routes.isEmpty, let entity = entitiesByName[key.entity] {
                let missingText = missingIdentity.map { "'{\($0)}'" }.joined(separator: ", ")
                diagnostics.report(
                    .unreachableKey,
                    "key '\(key.name)' holds data of entity '\(entity.name)' but no invalidation reaches it: its pattern lacks \(missingText) and no related pattern matches it, so after invalidate\(entity.swiftTypeName) it can stay stale for its TTL (\(DurationLiteral.format(key.ttl.milliseconds))); add \(missingText) to its pattern, or delete it explicitly where the entity changes",
                    at: key.location)
            }
        }

        // 3. Related patterns that match no declared key.
        var untaggedIndex: PrefixIndex?
        for (relatedIndex, related) in relatedLanguages.enumerated() where !relatedMatched.contains(relatedIndex) {
            let method = "invalidate\(related.entity.swiftTypeName)"
            var message = "related pattern \"\(related.pattern.text)\" of entity '\(related.entity.name)' matches no declared key"
            if untaggedIndex == nil { untaggedIndex = PrefixIndex(prefixes: keys.map(\.pattern.literalPrefix)) }
            let candidates = untaggedIndex?.candidates(compatibleWith: related.pattern.literalPrefix).sorted().filter { index in
                suffixesAgree(related.pattern.literalSuffix, keys[index].pattern.literalSuffix)
            } ?? []
            if let near = nearMiss(related, among: candidates, keys: keys, layouts: layouts, entitiesByName: entitiesByName, namespace: schema.namespace, search: &search) {
                message += " because of the hash tags: it would match key '\(near.key.name)' (\"\(qualified(near.keyLayout))\"), but that key's tag wraps \(near.keyTag) where this pattern's "
                    + (related.layout.placement == .untagged ? "has none" : "wraps \(near.patternTag)")
                    + ", and a glob matches a key only where their tags sit alike; move the key to an entity whose id the pattern carries, or delete it explicitly"
            } else {
                message += "; fix the pattern or declare the keys it should invalidate"
            }
            message += " (until then \(method) deletes what it matches with SCAN, which on a Redis Cluster walks every primary)"
            diagnostics.report(.relatedMatchesNothing, message, at: related.pattern.location)
        }

        // 4. Invalidation globs over a key's extra parameters that also match other keys.
        for (keyIndex, key) in keys.enumerated() {
            guard let entity = entitiesByName[key.entity], case .glob = entity.invalidationRoute(of: key) else { continue }
            let globLayout = layouts[keyIndex].replacingPlaceholders(notIn: Set(entity.identity.map(\.name)))
            let globLanguage = KeyLanguage(globLayout, types: types(of: key, in: entity), prefix: schema.namespace)
            let globSuffix = globLayout.literalSuffix
            for otherIndex in index.candidates(compatibleWith: globLayout.literalPrefix).sorted() where otherIndex != keyIndex && suffixesAgree(globSuffix, keySuffixes[otherIndex]) {
                let other = keys[otherIndex]
                if let example = globLanguage.commonMember(with: languages[otherIndex], using: &search) {
                    diagnostics.report(
                        .overlappingInvalidationGlob,
                        "invalidating entity '\(entity.name)' deletes key '\(key.name)' with the glob \"\(qualified(globLayout.description))\", which also matches key '\(other.name)' (e.g. \"\(example)\"); give '\(key.name)' a literal part that '\(other.name)' lacks",
                        at: key.pattern.location)
                }
            }
        }

        let analysis = decide(schema, reach: reach, entitiesByName: entitiesByName)
        checkSlots(schema, analysis: analysis, diagnostics: &diagnostics)
        return analysis
    }

    /// A key that an unmatched related pattern would match if keys had no hash tags: the pattern misses it only because
    /// their tags sit in different places, which the message should say.
    private static func nearMiss(
        _ related: (entity: Entity, pattern: SchemaPattern, layout: CacheKeyLayout, language: KeyLanguage), among candidates: [Int],
        keys: [Key], layouts: [CacheKeyLayout], entitiesByName: [String: Entity], namespace: String?, search: inout KeyLanguage.Search
    ) -> (key: Key, keyLayout: String, keyTag: String, patternTag: String)? {
        guard !candidates.isEmpty else { return nil }
        let untagged = KeyLanguage(untagged: related.pattern.parsed, types: identityTypes(of: related.entity), prefix: namespace)
        for index in candidates {
            let key = keys[index], layout = layouts[index]
            let keyLanguage = KeyLanguage(untagged: key.pattern.parsed, types: types(of: key, in: entitiesByName[key.entity]), prefix: namespace)
            if untagged.commonMember(with: keyLanguage, using: &search) != nil {
                let keyTag = "'" + CacheKeyLayout.display(layout.tag) + "'"
                let patternTag = "'" + CacheKeyLayout.display(related.layout.tag) + "'"
                return (key, layout.description, keyTag, patternTag)
            }
        }
        return nil
    }

    static func identityTypes(of entity: Entity) -> [String: CacheParameterType] {
        Dictionary(entity.identity.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
    }

    static func types(of key: Key, in entity: Entity?) -> [String: CacheParameterType] {
        var types: [String: CacheParameterType] = [:]
        for parameter in (entity?.identity ?? []) + key.parameters { types[parameter.name] = parameter.type }
        return types
    }
}
