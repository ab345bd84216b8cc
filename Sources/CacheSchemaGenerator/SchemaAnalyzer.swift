import CacheSchemaCore

/// The analyse stage: a checked ``Schema`` in, its ``SchemaAnalysis`` out.
///
/// It decides what only the whole schema shows: two patterns that can produce one key (an error), which
/// invalidations reach which key, which entities own (index) each key, which related patterns the index covers, and
/// warns about keys no invalidation reaches, related patterns that match nothing, and invalidation globs that also
/// match other keys.
enum SchemaAnalyzer {
    static func analyze(_ schema: Schema, diagnostics: inout DiagnosticCollector) -> SchemaAnalysis {
        let keys = schema.keys
        let entitiesByName = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var languages: [KeyLanguage] = []
        for key in keys {
            let entity = entitiesByName[key.entity]
            languages.append(KeyLanguage(key.pattern.parsed, types: types(of: key, in: entity), prefix: schema.namespace))
        }
        let qualified = { (text: String) in schema.namespace.map { "\($0):\(text)" } ?? text }

        let keyPrefixes = keys.map(\.pattern.literalPrefix)
        let keySuffixes = keys.map(\.pattern.literalSuffix)
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
        var relatedLanguages: [(entity: Entity, pattern: SchemaPattern, language: KeyLanguage)] = []
        for entity in schema.entities {
            let identityTypes = Dictionary(entity.identity.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
            for pattern in entity.related {
                relatedLanguages.append((entity, pattern, KeyLanguage(pattern.parsed, types: identityTypes, prefix: schema.namespace)))
            }
        }
        var relatedReaching: [Int: [Int]] = [:]
        for (relatedIndex, related) in relatedLanguages.enumerated() {
            let suffix = related.pattern.literalSuffix
            for keyIndex in index.candidates(compatibleWith: related.pattern.literalPrefix).sorted() where suffixesAgree(suffix, keySuffixes[keyIndex]) {
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
        for (relatedIndex, related) in relatedLanguages.enumerated() where !relatedMatched.contains(relatedIndex) {
            diagnostics.report(
                .relatedMatchesNothing,
                "related pattern \"\(related.pattern.text)\" of entity '\(related.entity.name)' matches no declared key; fix the pattern or declare the keys it should invalidate",
                at: related.pattern.location)
        }

        // 4. Invalidation globs over a key's extra parameters that also match other keys.
        for (keyIndex, key) in keys.enumerated() {
            guard let entity = entitiesByName[key.entity], case .glob(let glob) = entity.invalidationRoute(of: key) else { continue }
            let globLanguage = KeyLanguage(glob, types: types(of: key, in: entity), prefix: schema.namespace)
            let globSuffix = glob.literalSuffix
            for otherIndex in index.candidates(compatibleWith: glob.literalPrefix).sorted() where otherIndex != keyIndex && suffixesAgree(globSuffix, keySuffixes[otherIndex]) {
                let other = keys[otherIndex]
                if let example = globLanguage.commonMember(with: languages[otherIndex], using: &search) {
                    diagnostics.report(
                        .overlappingInvalidationGlob,
                        "invalidating entity '\(entity.name)' deletes key '\(key.name)' with the glob \"\(qualified(glob.text))\", which also matches key '\(other.name)' (e.g. \"\(example)\"); give '\(key.name)' a literal part that '\(other.name)' lacks",
                        at: key.pattern.location)
                }
            }
        }

        return decide(schema, reach: reach, entitiesByName: entitiesByName)
    }

    static func types(of key: Key, in entity: Entity?) -> [String: CacheParameterType] {
        var types: [String: CacheParameterType] = [:]
        for parameter in (entity?.identity ?? []) + key.parameters { types[parameter.name] = parameter.type }
        return types
    }
}
