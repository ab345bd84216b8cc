import CacheSchemaCore

/// The render stage: a checked schema and its ``SchemaAnalysis`` in, Swift code out (`CacheTTL`, `CacheKeys`,
/// `CacheKeyDescriptors`, `CacheInvalidations`, `CacheInvalidator` and `CacheKeys.schema`).
///
/// It makes no decision about the schema: which parameters a key takes, how an invalidation reaches a key, which
/// entities own it and which related patterns the index covers all come from the analysis; the renderer only
/// writes them as Swift.
///
/// The output depends only on the schema and the options, never on time or environment, so the same schema always
/// gives the same bytes.
struct SwiftRenderer {
    let schema: Schema
    let analysis: SchemaAnalysis
    let access: AccessLevel
    /// The file name written in the header (not the full path, so output does not depend on where a checkout lives).
    let sourceName: String

    /// For the names of generated methods.
    private let entitiesByName: [String: Entity]

    init(schema: Schema, analysis: SchemaAnalysis, access: AccessLevel, sourceName: String) {
        self.schema = schema
        self.analysis = analysis
        self.access = access
        self.sourceName = sourceName
        self.entitiesByName = Dictionary(schema.entities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func render() -> String {
        var out = SourceWriter()
        out.line("// Generated from \(sourceName) by cache-schema; do not edit.")
        out.line("// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,")
        out.line("// and `cache-schema generate` writes it by hand.")
        if !schema.documentation.isEmpty {
            out.line("//")
            for line in schema.documentation { out.line(line.isEmpty ? "//" : "// " + SwiftSource.docText(line)) }
        }
        out.line()
        out.line("import CacheSchemaCore")
        if usesUUID { out.line("import Foundation") }
        out.line()
        renderTTL(&out)
        out.line()
        renderKeys(&out)
        out.line()
        renderDescriptors(&out)
        out.line()
        renderInvalidations(&out)
        out.line()
        renderInvalidator(&out)
        out.line()
        renderSchemaDescription(&out)
        return out.text
    }

    private var a: String { access.rawValue }

    private var usesUUID: Bool {
        schema.entities.contains { entity in
            (entity.identity + entity.keys.flatMap(\.parameters)).contains { $0.type == .uuid }
        }
    }

    private func qualified(_ text: String) -> String {
        schema.namespace.map { "\($0):\(text)" } ?? text
    }

    private func ttlExpression(_ milliseconds: Milliseconds) -> String {
        if milliseconds % 1000 == 0 { return ".seconds(\(milliseconds / 1000))" }
        return ".milliseconds(\(milliseconds))"
    }

    /// `CacheFreshness(earlyRefresh: 1.0, staleWindow: .seconds(300), ttlJitter: 0.1)`: every argument written, so
    /// that a descriptor reads the same whichever fields the schema sets.
    private func freshnessExpression(_ freshness: Freshness) -> String {
        let early = freshness.earlyRefresh.map { "\($0)" } ?? "nil"
        let stale = freshness.staleWindow.map(ttlExpression) ?? "nil"
        return "CacheFreshness(earlyRefresh: \(early), staleWindow: \(stale), ttlJitter: \(freshness.jitterFraction))"
    }

    /// `CacheNearCachePolicy(localTTL: .seconds(60), capacity: 1000)`.
    private func nearCacheExpression(_ nearCache: NearCache) -> String {
        "CacheNearCachePolicy(localTTL: \(ttlExpression(nearCache.ttl)), capacity: \(nearCache.capacity))"
    }

    // MARK: - CacheTTL

    private func renderTTL(_ out: inout SourceWriter) {
        out.docComment(["The named TTL classes of `\(sourceName)`."])
        out.block("\(a) enum CacheTTL") { out in
            for (index, ttl) in schema.ttlClasses.enumerated() {
                if index > 0 { out.line() }
                let inherited = [ttl.freshness.summary, ttl.nearCache.map { "a near cache (\($0.summary))" }].compactMap(\.self)
                let inheritance = inherited.isEmpty ? "" : " Its keys get \(inherited.joined(separator: " and ")) unless they say otherwise."
                out.docComment(ttl.documentation + (ttl.documentation.isEmpty ? [] : [""]) + ["`\(ttl.written)`.\(inheritance)"])
                out.line("\(a) static let \(ttl.swiftName): Duration = \(ttlExpression(ttl.duration))")
            }
            if !schema.ttlClasses.isEmpty { out.line() }
            out.docComment(["The TTL of keys that name none: `\(DurationLiteral.format(schema.defaultTTL))`."])
            out.line("\(a) static let schemaDefault: Duration = \(ttlExpression(schema.defaultTTL))")
        }
    }

    // MARK: - CacheKeys

    private func parameterList(_ parameters: [Parameter]) -> String {
        parameters.map { parameter in
            var text = "\(parameter.swiftName): \(parameter.type)"
            if let value = parameter.defaultValue { text += " = " + defaultExpression(value) }
            return text
        }.joined(separator: ", ")
    }

    private func defaultExpression(_ value: DefaultValue) -> String {
        switch value {
        case .string(let text): SwiftSource.stringLiteral(text)
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .uuid(let text): "UUID(uuidString: \(SwiftSource.stringLiteral(text)))!"
        }
    }

    /// The local holding a parameter's encoded value. Argument labels never start with `_` (schema names start with
    /// a letter), so it cannot shadow another argument, as `userPart` did for parameters `user` and `user_part`.
    private func valueVariable(_ name: String) -> String {
        "_" + SwiftNaming.lowerCamelCase(name)
    }

    /// A piece of a Swift string expression: literal text, or an expression (an encoded value's local, a tag).
    private enum Piece {
        case literal(String)
        case expression(String)
    }

    /// The pieces of `segments`: literals, `*` and `?` as text, bound placeholders as their locals. A placeholder not
    /// in `bound` (none is, in a checked schema) becomes `*`, as `CacheKeyLayout.filled(with:)` does.
    private func pieces(_ segments: [CachePattern.Segment], bound: Set<String>) -> [Piece] {
        segments.map { segment in
            switch segment {
            case .literal(let text): .literal(text)
            case .anyRun: .literal("*")
            case .anyCharacter: .literal("?")
            case .placeholder(let name, _): bound.contains(name) ? .expression(valueVariable(name)) : .literal("*")
            }
        }
    }

    /// Pieces joined with `+`, adjacent literals merged.
    private func expression(_ pieces: [Piece]) -> String {
        var parts: [String] = []
        var literal = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                literal += text
            case .expression(let code):
                if !literal.isEmpty { parts.append(SwiftSource.stringLiteral(literal)) }
                literal = ""
                parts.append(code)
            }
        }
        if !literal.isEmpty { parts.append(SwiftSource.stringLiteral(literal)) }
        return parts.isEmpty ? "\"\"" : parts.joined(separator: " + ")
    }

    /// A Swift expression for a layout's concrete key (or glob): literals, encoded values, and the hash tag built by
    /// `CacheKeyEncoding.hashTag`, which writes an empty value as `{%}`.
    private func concatenation(_ layout: CacheKeyLayout, prefixed: Bool, bound: Set<String>) -> String {
        var all: [Piece] = []
        if prefixed, let namespace = schema.namespace { all.append(.literal(namespace + ":")) }
        all += pieces(layout.head, bound: bound)
        if layout.placement != .untagged {
            all.append(.expression("CacheKeyEncoding.hashTag(\(expression(pieces(layout.tag, bound: bound))))"))
        }
        all += pieces(layout.tail, bound: bound)
        return expression(all)
    }

    /// `CacheEntityInstance(entity:identity:hashTag:)` for the instance of `tag`'s entity whose id values are the
    /// locals of `parameters`.
    private func instanceExpression(_ tag: CacheInstanceTag, parameters: [Parameter]) -> String {
        let entity = SwiftSource.stringLiteral(tag.entity)
        guard !tag.identity.isEmpty else {
            return "CacheEntityInstance(entity: \(entity), identity: \"\", hashTag: \(SwiftSource.stringLiteral(tag.entity)))"
        }
        let identity = expression(pieces(tag.segments, bound: Set(tag.identity)))
        // Only a String (or custom) value alone can be empty; its tag is then `%`.
        var canBeEmpty = false
        if tag.segments.count == 1, let name = tag.segments[0].placeholderName,
            let parameter = parameters.first(where: { $0.name == name })
        {
            switch parameter.type {
            case .string, .custom: canBeEmpty = true
            case .int, .uuid, .bool: canBeEmpty = false
            }
        }
        let hashTag = canBeEmpty ? "CacheKeyEncoding.hashTagContent(\(identity))" : identity
        return "CacheEntityInstance(entity: \(entity), identity: \(identity), hashTag: \(hashTag))"
    }

    private func reachSummary(_ key: Key) -> String {
        let routes = analysis[key].reach
        guard !routes.isEmpty else { return "No invalidation reaches this key: it expires by TTL only." }
        // One mention per invalidation, however many of its routes reach the key (its own key and a related pattern).
        var entities: [String] = []
        var ownKey: Set<String> = []
        var related: [String: [String]] = [:]
        for reach in routes {
            if !entities.contains(reach.entity) { entities.append(reach.entity) }
            switch reach.route {
            case .exactKey, .keyGlob: ownKey.insert(reach.entity)
            case .related(let pattern): related[reach.entity, default: []].append("\"\(pattern)\"")
            }
        }
        return "Removed by " + entities.map { entity in
            let method = "`invalidate\(entitiesByName[entity]?.swiftTypeName ?? entity)`"
            guard let patterns = related[entity] else { return method }
            let how = (ownKey.contains(entity) ? "its own key, and related " : "related ") + patterns.joined(separator: ", ")
            return "\(method) (\(how))"
        }.joined(separator: ", ") + "."
    }

    private func renderKeys(_ out: inout SourceWriter) {
        out.docComment([
            "Every cache key of `\(sourceName)`. Code never formats a key by hand: it calls these functions, which escape",
            "every parameter value (see `CacheKeyEncoding`).",
            "",
            "Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an",
            "instance's keys share that tag, and so a slot (see `CacheKeyLayout`).",
        ])
        out.block("\(a) enum CacheKeys") { out in
            for (index, key) in schema.keys.enumerated() {
                if index > 0 { out.line() }
                let ttlText: String
                switch key.ttl {
                case .named(let name, let ms): ttlText = "TTL `\(name)` (\(DurationLiteral.format(ms)))"
                case .literal(let written, _): ttlText = "TTL \(written)"
                case .schemaDefault(let ms): ttlText = "TTL \(DurationLiteral.format(ms)) (schema default)"
                }
                var doc = key.documentation
                if !doc.isEmpty { doc.append("") }
                doc.append("Key `\(qualified(analysis[key].layout.description))` from pattern `\(key.pattern.text)`, \(ttlText), entity `\(key.entity)`.")
                doc.append(reachSummary(key))
                if let freshness = key.freshness.summary { doc.append("Freshness: \(freshness) (`CacheFreshness`).") }
                if let nearCache = key.nearCache { doc.append("Near cache: \(nearCache.summary) (`CacheNearCachePolicy`).") }
                let arguments = analysis[key].arguments
                var parameters = parameterList(arguments)
                let returnType: String
                let generic: String
                if let value = key.valueType {
                    returnType = "CacheKey<\(value)>"
                    generic = ""
                } else {
                    doc.append("")
                    doc.append("The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.")
                    returnType = "CacheKey<Value>"
                    generic = "<Value>"
                    parameters += (parameters.isEmpty ? "" : ", ") + "as _: Value.Type = Value.self"
                }
                out.docComment(doc)
                out.block("\(a) static func \(key.swiftName)\(generic)(\(parameters)) -> \(returnType)") { out in
                    for parameter in arguments {
                        out.line("let \(valueVariable(parameter.name)) = CacheKeyEncoding.encode(\(parameter.swiftName))")
                    }
                    let bound = Set(arguments.map(\.name))
                    out.line("return CacheKey(")
                    out.line("    descriptor: CacheKeyDescriptors.\(key.swiftName),")
                    out.line("    rawValue: \(concatenation(analysis[key].layout, prefixed: true, bound: bound)),")
                    let owners = analysis[key].owners
                    if owners.isEmpty {
                        out.line("    owners: []")
                    } else {
                        out.line("    owners: [")
                        for owner in owners {
                            out.line("        \(instanceExpression(owner.tag, parameters: arguments)),")
                        }
                        out.line("    ]")
                    }
                    out.line(")")
                }
            }
        }
    }

    // MARK: - Descriptors

    private func parameterDescriptor(_ parameter: Parameter) -> String {
        let type: String
        switch parameter.type {
        case .string: type = ".string"
        case .int: type = ".int"
        case .uuid: type = ".uuid"
        case .bool: type = ".bool"
        case .custom(let name): type = ".custom(\(SwiftSource.stringLiteral(name)))"
        }
        return "CacheParameterDescriptor(name: \(SwiftSource.stringLiteral(parameter.name)), label: \(SwiftSource.stringLiteral(parameter.swiftName)), type: \(type))"
    }

    private func optionalLiteral(_ text: String?) -> String {
        text.map(SwiftSource.stringLiteral) ?? "nil"
    }

    private func renderDescriptors(_ out: inout SourceWriter) {
        out.docComment(["What the schema declares about each key of `\(sourceName)`."])
        out.block("\(a) enum CacheKeyDescriptors") { out in
            for (index, key) in schema.keys.enumerated() {
                if index > 0 { out.line() }
                out.docComment(["Key `\(key.name)`: `\(qualified(analysis[key].layout.description))` (pattern `\(key.pattern.text)`)."])
                out.line("\(a) static let \(key.swiftName) = CacheKeyDescriptor(")
                out.line("    name: \(SwiftSource.stringLiteral(key.name)),")
                out.line("    entity: \(SwiftSource.stringLiteral(key.entity)),")
                out.line("    pattern: \(SwiftSource.stringLiteral(key.pattern.text)),")
                out.line("    namespace: \(optionalLiteral(schema.namespace)),")
                let parameters = analysis[key].arguments
                if parameters.isEmpty {
                    out.line("    parameters: [],")
                } else {
                    out.line("    parameters: [")
                    for parameter in parameters { out.line("        \(parameterDescriptor(parameter)),") }
                    out.line("    ],")
                }
                out.line("    ttl: \(ttlExpression(key.ttl.milliseconds)),")
                out.line("    ttlClass: \(optionalLiteral(key.ttl.className)),")
                out.line("    valueType: \(optionalLiteral(key.valueType)),")
                let entities = analysis[key].reach.map(\.entity).uniqued()
                var lastArguments = ["invalidatedBy: [\(entities.map(SwiftSource.stringLiteral).joined(separator: ", "))]"]
                // Plain expiry and no near cache are left unsaid, so that schemas without these fields generate what
                // they always did; the initializer taking a near cache takes the freshness too.
                if !key.freshness.isNone || key.nearCache != nil {
                    lastArguments.append("freshness: \(freshnessExpression(key.freshness))")
                }
                if let nearCache = key.nearCache {
                    lastArguments.append("nearCache: \(nearCacheExpression(nearCache))")
                }
                for (index, argument) in lastArguments.enumerated() {
                    out.line("    \(argument)" + (index < lastArguments.count - 1 ? "," : ""))
                }
                out.line(")")
            }
        }
    }

    // MARK: - Invalidations

    private func renderInvalidations(_ out: inout SourceWriter) {
        out.docComment([
            "Exactly what invalidating each entity of `\(sourceName)` removes, as values: the cache runtime carries them",
            "out, tests and tools read them.",
        ])
        out.block("\(a) enum CacheInvalidations") { out in
            for (index, entity) in schema.entities.enumerated() {
                if index > 0 { out.line() }
                var doc = entity.documentation
                if !doc.isEmpty { doc.append("") }
                doc.append("Invalidation of entity `\(entity.name)`: " + invalidationSummary(entity) + ".")
                out.docComment(doc)
                out.block("\(a) static func \(entity.swiftName)(\(parameterList(entity.identity))) -> CacheInvalidation") { out in
                    for parameter in entity.identity {
                        out.line("let \(valueVariable(parameter.name)) = CacheKeyEncoding.encode(\(parameter.swiftName))")
                    }
                    let bound = Set(entity.identity.map(\.name))
                    out.line("return CacheInvalidation(")
                    out.line("    instance: \(instanceExpression(analysis.instanceTag(of: entity), parameters: entity.identity)),")
                    out.line("    namespace: \(optionalLiteral(schema.namespace)),")
                    var exact: [Key] = []
                    var globbed: [(key: Key, glob: CacheKeyLayout)] = []
                    for key in entity.keys {
                        switch analysis[key].route {
                        case .exactKey: exact.append(key)
                        case .glob: globbed.append((key, analysis[key].layout.replacingPlaceholders(notIn: bound)))
                        case .unreachable: break
                        }
                    }
                    if exact.isEmpty {
                        out.line("    keys: [],")
                    } else {
                        out.line("    keys: [")
                        for key in exact {
                            out.line("        CacheInvalidation.Key(name: \(SwiftSource.stringLiteral(key.name)), rawValue: \(concatenation(analysis[key].layout, prefixed: true, bound: bound))),")
                        }
                        out.line("    ],")
                    }
                    if globbed.isEmpty && entity.related.isEmpty {
                        out.line("    patterns: []")
                    } else {
                        out.line("    patterns: [")
                        for (key, glob) in globbed {
                            out.line("        CacheInvalidation.Pattern(origin: .key(\(SwiftSource.stringLiteral(key.name))), glob: \(concatenation(glob, prefixed: true, bound: bound))),")
                        }
                        for related in entity.related {
                            out.line("        CacheInvalidation.Pattern(origin: .related(\(SwiftSource.stringLiteral(related.text))), glob: \(concatenation(analysis[related: related, of: entity].layout, prefixed: true, bound: bound)), indexed: \(analysis[related: related, of: entity].isIndexed)),")
                        }
                        out.line("    ]")
                    }
                    out.line(")")
                }
            }
        }
    }

    private func invalidationSummary(_ entity: Entity) -> String {
        var parts: [String] = []
        for key in entity.keys {
            switch analysis[key].route {
            case .exactKey: parts.append("key `\(key.name)`")
            case .glob: parts.append("every `\(key.name)` of the instance")
            case .unreachable: break
            }
        }
        for related in entity.related { parts.append("keys matching `\(qualified(analysis[related: related, of: entity].layout.description))`") }
        return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
    }

    // MARK: - Invalidator

    private func renderInvalidator(_ out: inout SourceWriter) {
        out.docComment([
            "Invalidates the entities of `\(sourceName)`: one method per entity, plus a generic path.",
            "",
            "It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.",
        ])
        out.block("\(a) struct CacheInvalidator: Sendable") { out in
            out.docComment(["What carries out the invalidations."])
            out.line("\(a) let target: any CacheInvalidating")
            out.line()
            out.docComment(["Creates an invalidator that hands its invalidations to `target`."])
            out.block("\(a) init(_ target: any CacheInvalidating)") { out in
                out.line("self.target = target")
            }
            for entity in schema.entities {
                out.line()
                var doc = entity.documentation
                if !doc.isEmpty { doc.append("") }
                doc.append("Invalidates entity `\(entity.name)`: " + invalidationSummary(entity) + ".")
                doc.append("")
                doc.append("- Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.")
                out.docComment(doc)
                let call = entity.identity.map { "\($0.swiftName): \($0.swiftName)" }.joined(separator: ", ")
                out.block("\(a) func invalidate\(entity.swiftTypeName)(\(parameterList(entity.identity))) async throws") { out in
                    out.line("try await self.target.invalidate(CacheInvalidations.\(entity.swiftName)(\(call)))")
                }
            }
            out.line()
            out.docComment(["Carries out an invalidation built by `CacheInvalidations`."])
            out.block("\(a) func invalidate(_ invalidation: CacheInvalidation) async throws") { out in
                out.line("try await target.invalidate(invalidation)")
            }
            out.line()
            out.docComment([
                "Invalidates an entity named at run time, with identity values as text (`[\"user_id\": \"…\"]`).",
                "",
                "- Throws: `CacheSchemaDescriptionError` for an unknown entity or a bad value, or the target's error.",
            ])
            out.block("\(a) func invalidate(entity: String, identity: [String: String]) async throws") { out in
                out.line("try await target.invalidate(CacheKeys.schema.invalidation(entity: entity, identity: identity))")
            }
        }
    }

    // MARK: - Schema description

    private func renderSchemaDescription(_ out: inout SourceWriter) {
        out.block("extension CacheKeys") { out in
            out.docComment(["The whole schema `\(sourceName)` as data, for the runtime and for tools."])
            out.line("\(a) static let schema = CacheSchemaDescription(")
            out.line("    source: \(SwiftSource.stringLiteral(sourceName)),")
            out.line("    namespace: \(optionalLiteral(schema.namespace)),")
            out.line("    fingerprint: \(SwiftSource.stringLiteral(SchemaFingerprint.compute(schema))),")
            if schema.ttlClasses.isEmpty {
                out.line("    ttlClasses: [],")
            } else {
                out.line("    ttlClasses: [")
                for ttl in schema.ttlClasses {
                    out.line("        .init(name: \(SwiftSource.stringLiteral(ttl.name)), ttl: \(ttlExpression(ttl.duration))),")
                }
                out.line("    ],")
            }
            if schema.entities.isEmpty {
                out.line("    entities: [],")
            } else {
                out.line("    entities: [")
                for entity in schema.entities {
                    out.line("        .init(")
                    out.line("            name: \(SwiftSource.stringLiteral(entity.name)),")
                    if entity.identity.isEmpty {
                        out.line("            identity: [],")
                    } else {
                        out.line("            identity: [")
                        for parameter in entity.identity { out.line("                \(parameterDescriptor(parameter)),") }
                        out.line("            ],")
                    }
                    out.line("            keys: [\(entity.keys.map { SwiftSource.stringLiteral($0.name) }.joined(separator: ", "))],")
                    out.line("            related: [\(entity.related.map { SwiftSource.stringLiteral($0.text) }.joined(separator: ", "))],")
                    let indexed = entity.related.filter { analysis[related: $0, of: entity].isIndexed }
                    out.line("            indexedRelated: [\(indexed.map { SwiftSource.stringLiteral($0.text) }.joined(separator: ", "))]")
                    out.line("        ),")
                }
                out.line("    ],")
            }
            if schema.keys.isEmpty {
                out.line("    keys: []")
            } else {
                out.line("    keys: [")
                for key in schema.keys { out.line("        CacheKeyDescriptors.\(key.swiftName),") }
                out.line("    ]")
            }
            out.line(")")
        }
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
