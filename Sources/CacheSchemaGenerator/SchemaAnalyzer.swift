/// What reaches a key when entities are invalidated.
public struct Reach: Sendable, Hashable, Codable {
    /// How an invalidation reaches a key.
    public enum Route: Sendable, Hashable, Codable {
        /// The entity's own key, deleted by its concrete name (every parameter is part of the identity).
        case exactKey
        /// The entity's own key with parameters beyond the identity, deleted by a glob over them (every page).
        case keyGlob
        /// One of the entity's related patterns matches the key.
        case related(String)
    }

    /// The invalidated entity.
    public var entity: String
    /// How it reaches the key.
    public var route: Route
}

/// The result of analysing a loaded schema.
public struct SchemaAnalysis: Sendable {
    /// Which invalidations reach each key, by key name.
    public var reach: [String: [Reach]]
    /// Findings: ambiguity errors, reachability and widening warnings.
    public var diagnostics: [Diagnostic]
}

/// Checks what only the whole schema shows: two patterns that can produce one key, keys no invalidation reaches,
/// related patterns that match nothing, and invalidation globs that also match other keys.
enum SchemaAnalyzer {
    static func analyze(_ schema: Schema) -> SchemaAnalysis {
        var diagnostics: [Diagnostic] = []
        let file = schema.file
        let keys = schema.keys
        let entitiesByName = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var languages: [KeyLanguage] = []
        for key in keys {
            let entity = entitiesByName[key.entity]
            languages.append(KeyLanguage(key.pattern, types: types(of: key, in: entity), prefix: schema.namespace))
        }
        let qualified = { (text: String) in schema.namespace.map { "\($0):\(text)" } ?? text }

        // 1. Ambiguity: two keys that can produce the same concrete key.
        for j in keys.indices {
            for i in 0..<j where mayOverlap(keys[i].pattern, keys[j].pattern) {
                if let example = languages[i].commonMember(with: languages[j]) {
                    diagnostics.append(Diagnostic(
                        .error,
                        "key '\(keys[j].name)' (\"\(keys[j].pattern.text)\") and key '\(keys[i].name)' (\"\(keys[i].pattern.text)\", line \(keys[i].location.line)) can produce the same concrete key, e.g. \"\(example)\"; make their literal parts differ",
                        file: file, at: keys[j].pattern.location))
                }
            }
        }

        // 2. Which invalidation reaches which key.
        var reach: [String: [Reach]] = [:]
        var relatedMatches: [Pattern: Int] = [:]
        var relatedLanguages: [(entity: Entity, pattern: Pattern, language: KeyLanguage)] = []
        for entity in schema.entities {
            let identityTypes = Dictionary(entity.identity.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
            for pattern in entity.related {
                relatedLanguages.append((entity, pattern, KeyLanguage(pattern, types: identityTypes, prefix: schema.namespace)))
            }
        }
        for (index, key) in keys.enumerated() {
            var routes: [Reach] = []
            if let entity = entitiesByName[key.entity] {
                let placeholders = Set(key.pattern.placeholders)
                if entity.identity.allSatisfy({ placeholders.contains($0.name) }) {
                    routes.append(Reach(entity: entity.name, route: key.parameters.isEmpty ? .exactKey : .keyGlob))
                }
            }
            for related in relatedLanguages where mayOverlap(related.pattern, key.pattern) {
                if related.language.commonMember(with: languages[index]) != nil {
                    routes.append(Reach(entity: related.entity.name, route: .related(related.pattern.text)))
                    relatedMatches[related.pattern, default: 0] += 1
                }
            }
            reach[key.name] = routes
            if routes.isEmpty, let entity = entitiesByName[key.entity] {
                let placeholders = Set(key.pattern.placeholders)
                let missing = entity.identity.map(\.name).filter { !placeholders.contains($0) }
                let missingText = missing.map { "'{\($0)}'" }.joined(separator: ", ")
                diagnostics.append(Diagnostic(
                    .warning,
                    "key '\(key.name)' holds data of entity '\(entity.name)' but no invalidation reaches it: its pattern lacks \(missingText) and no related pattern matches it, so after invalidate\(entity.swiftTypeName) it can stay stale for its TTL (\(DurationLiteral.format(key.ttl.milliseconds))); add \(missingText) to its pattern, or delete it explicitly where the entity changes",
                    file: file, at: key.location))
            }
        }

        // 3. Related patterns that match no declared key.
        for related in relatedLanguages where relatedMatches[related.pattern] == nil {
            diagnostics.append(Diagnostic(
                .warning,
                "related pattern \"\(related.pattern.text)\" of entity '\(related.entity.name)' matches no declared key; fix the pattern or declare the keys it should invalidate",
                file: file, at: related.pattern.location))
        }

        // 4. Invalidation globs over a key's extra parameters that also match other keys.
        for (index, key) in keys.enumerated() where !key.parameters.isEmpty {
            guard let entity = entitiesByName[key.entity],
                reach[key.name]?.contains(where: { $0.entity == entity.name && $0.route == .keyGlob }) == true
            else { continue }
            var globTypes = types(of: key, in: entity)
            let glob = globPattern(for: key)
            for parameter in key.parameters { globTypes[parameter.name] = nil }
            let globLanguage = KeyLanguage(glob, types: globTypes, prefix: schema.namespace)
            for (otherIndex, other) in keys.enumerated() where otherIndex != index && mayOverlap(glob, other.pattern) {
                if let example = globLanguage.commonMember(with: languages[otherIndex]) {
                    diagnostics.append(Diagnostic(
                        .warning,
                        "invalidating entity '\(entity.name)' deletes key '\(key.name)' with the glob \"\(qualified(glob.text))\", which also matches key '\(other.name)' (e.g. \"\(example)\"); give '\(key.name)' a literal part that '\(other.name)' lacks",
                        file: file, at: key.pattern.location))
                }
            }
        }

        return SchemaAnalysis(reach: reach, diagnostics: diagnostics)
    }

    static func types(of key: Key, in entity: Entity?) -> [String: ParameterType] {
        var types: [String: ParameterType] = [:]
        for parameter in (entity?.identity ?? []) + key.parameters { types[parameter.name] = parameter.type }
        return types
    }

    /// The pattern with the key's own (non-identity) parameters replaced by `*`, as invalidation deletes it.
    static func globPattern(for key: Key) -> Pattern {
        let own = Set(key.parameters.map(\.name))
        var text = ""
        var segments: [Pattern.Segment] = []
        for segment in key.pattern.segments {
            switch segment {
            case .placeholder(let name, _) where own.contains(name):
                segments.append(.anyRun)
                text += "*"
            case .placeholder(let name, _):
                segments.append(segment)
                text += "{\(name)}"
            case .literal(let literal):
                segments.append(segment)
                text += literal
            case .anyRun:
                segments.append(segment)
                text += "*"
            case .anyCharacter:
                segments.append(segment)
                text += "?"
            }
        }
        return Pattern(text: text, segments: segments, location: key.pattern.location)
    }

    /// A cheap pre-check: patterns whose leading (or trailing) literal texts disagree share no key.
    static func mayOverlap(_ a: Pattern, _ b: Pattern) -> Bool {
        let prefixA = a.literalPrefix, prefixB = b.literalPrefix
        guard prefixA.hasPrefix(prefixB) || prefixB.hasPrefix(prefixA) else { return false }
        let suffixA = a.literalSuffix, suffixB = b.literalSuffix
        return suffixA.hasSuffix(suffixB) || suffixB.hasSuffix(suffixA)
    }
}
