import CacheSchemaCore

/// What `cache-schema explain` shows: every key with its parameters, TTL, freshness, near cache and the invalidations
/// that reach it, and per entity exactly what its invalidation deletes. Encodable as JSON for tools, or rendered as a
/// text table.
public struct SchemaExplanation: Sendable, Hashable, Codable {
    /// The schema file.
    public var file: String
    /// The namespace, if any.
    public var namespace: String?
    /// The schema fingerprint.
    public var fingerprint: String
    /// The TTL classes.
    public var ttlClasses: [TTLClassInfo]
    /// Every key.
    public var keys: [KeyInfo]
    /// Every entity.
    public var entities: [EntityInfo]

    /// A named TTL.
    public struct TTLClassInfo: Sendable, Hashable, Codable {
        public var name: String
        public var ttl: String
        public var milliseconds: Int64
        /// What its keys inherit; absent for plain expiry.
        public var freshness: FreshnessInfo?
        /// The near cache its keys inherit; absent for none.
        public var near: NearCacheInfo?
    }

    /// Early refresh, stale window and jitter of a key or TTL class. Absent (`nil`) for plain expiry.
    public struct FreshnessInfo: Sendable, Hashable, Codable {
        /// XFetch's β (`1`, `1.5`); absent for no early refresh.
        public var early: Double?
        /// The stale-while-revalidate window (`5m`); absent for none.
        public var stale: String?
        /// The same in milliseconds.
        public var staleMilliseconds: Int64?
        /// The TTL jitter as written (`10%`); absent for none.
        public var jitter: String?
        /// The same as the fraction of the TTL a store may cut at most (`0.1`); 0 for none.
        public var jitterFraction: Double
        /// The three in one line: `early refresh β 1, stale 5m, jitter 10%`.
        public var summary: String

        /// The information of `freshness`, or `nil` for plain expiry.
        init?(_ freshness: Freshness) {
            guard let summary = freshness.summary else { return nil }
            early = freshness.earlyRefresh
            stale = freshness.staleWindow.map(DurationLiteral.format)
            staleMilliseconds = freshness.staleWindow
            jitter = freshness.jitterText
            jitterFraction = freshness.jitterFraction
            self.summary = summary
        }
    }

    /// The near cache of a key or TTL class. Absent (`nil`) for none.
    public struct NearCacheInfo: Sendable, Hashable, Codable {
        /// How long a value stays in process memory at most (`1m`).
        public var ttl: String
        /// The same in milliseconds.
        public var ttlMilliseconds: Int64
        /// The most values of the key kept in process memory.
        public var capacity: Int
        /// The two in one line: `1m in process, up to 1000 values`.
        public var summary: String

        /// The information of `nearCache`.
        init(_ nearCache: NearCache) {
            ttl = DurationLiteral.format(nearCache.ttl)
            ttlMilliseconds = nearCache.ttl
            capacity = nearCache.capacity
            summary = nearCache.summary
        }
    }

    /// A parameter.
    public struct ParameterInfo: Sendable, Hashable, Codable {
        public var name: String
        public var label: String
        public var type: String
        public var defaultValue: String?
        public var identity: Bool
    }

    /// An invalidation that reaches a key.
    public struct ReachInfo: Sendable, Hashable, Codable {
        /// The entity.
        public var entity: String
        /// The generated method (`invalidateUser(userID:)`).
        public var method: String
        /// `key` (deleted by name), `glob` (every value of the key's own parameters) or `related`.
        public var route: String
        /// The related pattern, for `related`.
        public var pattern: String?
    }

    /// A key.
    public struct KeyInfo: Sendable, Hashable, Codable {
        public var name: String
        public var entity: String
        /// The pattern with the namespace.
        public var pattern: String
        /// The concrete key's layout with the namespace: parameters as `<name>`, and braces exactly where the key
        /// has its hash tag (`shop:user:{<user_id>}`).
        public var layout: String
        /// What the hash tag wraps: `id` (the entity's identity), `entity` (a singleton's name), `first-parameter`
        /// (the key lacks an id parameter) or `pattern` (the key lacks one and has no parameter).
        public var hashTag: String
        public var parameters: [ParameterInfo]
        public var ttl: String
        public var ttlMilliseconds: Int64
        public var ttlClass: String?
        /// Its early refresh, stale window and jitter; absent for plain expiry.
        public var freshness: FreshnessInfo?
        /// Its near cache; absent for none.
        public var near: NearCacheInfo?
        public var valueType: String?
        public var invalidatedBy: [ReachInfo]
        public var line: Int
    }

    /// What invalidating an entity deletes.
    public struct EntityInfo: Sendable, Hashable, Codable {
        public var name: String
        public var method: String
        public var identity: [ParameterInfo]
        /// The hash tag its instances' keys, index set and marker carry (`{<user_id>}`, `{config}`).
        public var hashTag: String
        /// Keys deleted by their concrete name.
        public var deletesKeys: [Deletion]
        /// Globs whose matching keys are deleted.
        public var deletesGlobs: [Deletion]
        public var line: Int
    }

    /// One deletion step.
    public struct Deletion: Sendable, Hashable, Codable {
        /// The key name (for keys and key globs) or `related`.
        public var origin: String
        /// The concrete pattern, namespace included, with identity placeholders kept.
        public var pattern: String
        /// The same with the hash tag's braces where the deleted keys have them, parameters as `<name>`
        /// (`shop:orders:user:{<user_id>}:page:*`).
        public var layout: String
        /// The declared keys this step can remove.
        public var reaches: [String]
    }

    /// Builds the explanation of a checked schema.
    public init(schema: Schema, analysis: SchemaAnalysis) {
        let qualified = { (text: String) in schema.namespace.map { "\($0):\(text)" } ?? text }
        let entities = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func method(_ entity: Entity) -> String {
            "invalidate\(entity.swiftTypeName)(\(entity.identity.map { "\($0.swiftName):" }.joined()))"
        }
        func parameterInfo(_ parameter: Parameter, identity: Bool) -> ParameterInfo {
            var defaultText: String?
            switch parameter.defaultValue {
            case .string(let text)?: defaultText = SwiftSource.stringLiteral(text)
            case .int(let value)?: defaultText = String(value)
            case .bool(let value)?: defaultText = String(value)
            case .uuid(let text)?: defaultText = text
            case nil: defaultText = nil
            }
            return ParameterInfo(name: parameter.name, label: parameter.swiftName, type: parameter.type.description, defaultValue: defaultText, identity: identity)
        }
        file = schema.file
        namespace = schema.namespace
        fingerprint = SchemaFingerprint.compute(schema)
        ttlClasses = schema.ttlClasses.map {
            TTLClassInfo(
                name: $0.name, ttl: DurationLiteral.format($0.duration), milliseconds: $0.duration, freshness: FreshnessInfo($0.freshness),
                near: $0.nearCache.map(NearCacheInfo.init))
        }
        keys = schema.keys.map { key in
            let identityNames = Set(entities[key.entity]?.identity.map(\.name) ?? [])
            let reaches = analysis[key].reach.map { reach -> ReachInfo in
                let methodName = entities[reach.entity].map(method) ?? reach.entity
                switch reach.route {
                case .exactKey: return ReachInfo(entity: reach.entity, method: methodName, route: "key", pattern: nil)
                case .keyGlob: return ReachInfo(entity: reach.entity, method: methodName, route: "glob", pattern: nil)
                case .related(let pattern): return ReachInfo(entity: reach.entity, method: methodName, route: "related", pattern: pattern)
                }
            }
            let layout = analysis[key].layout
            return KeyInfo(
                name: key.name,
                entity: key.entity,
                pattern: qualified(key.pattern.text),
                layout: qualified(layout.description),
                hashTag: Self.placementName(layout.placement),
                parameters: analysis[key].arguments.map { parameterInfo($0, identity: identityNames.contains($0.name)) },
                ttl: DurationLiteral.format(key.ttl.milliseconds),
                ttlMilliseconds: key.ttl.milliseconds,
                ttlClass: key.ttl.className,
                freshness: FreshnessInfo(key.freshness),
                near: key.nearCache.map(NearCacheInfo.init),
                valueType: key.valueType,
                invalidatedBy: reaches,
                line: key.location.line)
        }
        self.entities = schema.entities.map { entity in
            var exact: [Deletion] = []
            var globs: [Deletion] = []
            let bound = Set(entity.identity.map(\.name))
            for key in entity.keys {
                let layout = analysis[key].layout
                switch analysis[key].route {
                case .exactKey:
                    exact.append(Deletion(origin: key.name, pattern: qualified(key.pattern.text), layout: qualified(layout.description), reaches: [key.name]))
                case .glob(let glob):
                    let globLayout = layout.replacingPlaceholders(notIn: bound)
                    globs.append(Deletion(origin: key.name, pattern: qualified(glob.text), layout: qualified(globLayout.description), reaches: [key.name]))
                case .unreachable:
                    break
                }
            }
            for related in entity.related {
                let decided = analysis[related: related, of: entity]
                globs.append(Deletion(origin: "related", pattern: qualified(related.text), layout: qualified(decided.layout.description), reaches: decided.reaches))
            }
            return EntityInfo(
                name: entity.name,
                method: method(entity),
                identity: entity.identity.map { parameterInfo($0, identity: true) },
                hashTag: analysis.instanceTag(of: entity).description,
                deletesKeys: exact,
                deletesGlobs: globs,
                line: entity.location.line)
        }
    }

    /// The name `hashTag` gives a placement in the JSON form.
    static func placementName(_ placement: CacheKeyLayout.Placement) -> String {
        switch placement {
        case .identity: "id"
        case .entityName: "entity"
        case .firstPlaceholder: "first-parameter"
        case .wholePattern: "pattern"
        case .untagged: "none"
        }
    }

    /// The human-readable form: a key table, then what each entity's invalidation deletes.
    public func textTable() -> String {
        var out = "\(file): namespace \(namespace.map { "'\($0)'" } ?? "none"), \(keys.count) keys, \(entities.count) entities, fingerprint \(fingerprint)\n"
        out += "Key layouts show each parameter's encoded value as <name>, and the Redis Cluster hash tag in braces.\n\n"
        // The freshness column appears when some key has more than plain expiry, the near cache column when some key
        // has a near cache.
        let showsFreshness = keys.contains { $0.freshness != nil }
        let showsNearCache = keys.contains { $0.near != nil }
        let header = ["KEY", "LAYOUT", "PARAMETERS", "TTL"] + (showsFreshness ? ["FRESHNESS"] : []) + (showsNearCache ? ["NEAR CACHE"] : [])
            + ["VALUE", "INVALIDATED BY"]
        let rows: [[String]] = keys.map { key in
            let parameters = key.parameters.map { parameter in
                "\(parameter.name): \(parameter.type)" + (parameter.defaultValue.map { " = \($0)" } ?? "")
            }.joined(separator: ", ")
            let ttl = key.ttl + (key.ttlClass.map { " (\($0))" } ?? "")
            let reach = key.invalidatedBy.isEmpty ? "nothing (expires by TTL only)" : key.invalidatedBy.map { info in
                let short = "invalidate" + (info.method.dropFirst("invalidate".count).prefix { $0 != "(" })
                switch info.route {
                case "related": return "\(short) via \(info.pattern ?? "")"
                case "glob": return "\(short) (every \(key.parameters.filter { !$0.identity }.map(\.name).joined(separator: ", ")))"
                default: return short
                }
            }.joined(separator: "; ")
            let freshness = showsFreshness ? [key.freshness?.summary ?? "-"] : []
            let nearCache = showsNearCache ? [key.near?.summary ?? "-"] : []
            return [key.name, key.layout, parameters.isEmpty ? "-" : parameters, ttl] + freshness + nearCache + [key.valueType ?? "(call site)", reach]
        }
        out += Self.table(header: header, rows: rows)
        for entity in entities {
            out += "\nentity \(entity.name) (hash tag \(entity.hashTag)): \(entity.method) deletes\n"
            if entity.deletesKeys.isEmpty && entity.deletesGlobs.isEmpty { out += "  nothing\n" }
            for deletion in entity.deletesKeys {
                out += "  key   \(deletion.layout)  (\(deletion.origin))\n"
            }
            for deletion in entity.deletesGlobs {
                let reaches = deletion.reaches.isEmpty ? "matches no declared key" : "reaches " + deletion.reaches.joined(separator: ", ")
                let origin = deletion.origin == "related" ? "related" : "every \(deletion.origin)"
                out += "  glob  \(deletion.layout)  (\(origin); \(reaches))\n"
            }
        }
        return out
    }

    static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ") + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}
