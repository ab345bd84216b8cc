import CacheSchemaCore
import Yams

/// The validate stage: a ``SchemaSyntax`` in, a ``Schema`` out, when no error has been reported in any stage.
///
/// It checks every value on its own and against its entity: versions, names, durations and TTL classes, parameter
/// types and defaults, patterns, their placeholders and separators, the identity span that becomes an instance's hash
/// tag, and name clashes. It never stops at the first
/// problem, so that one `check` run shows everything to fix; a value refused with an error is remembered (as a
/// name, in a set), so that what uses it gets no second error.
struct SchemaValidator {
    static let builtinTypes = ["String", "Int", "UUID", "Bool"]
    /// The schema's built-in default TTL (SPEC §3).
    static let builtinDefaultTTL: Milliseconds = 300_000

    var diagnostics: DiagnosticCollector
    let comments: CommentExtractor
    private var ttlClassesByName: [String: TTLClass] = [:]
    /// TTL classes declared with an error already reported, so that keys naming them get no second error.
    private var rejectedTTLClasses: Set<String> = []

    private init(diagnostics: DiagnosticCollector, comments: CommentExtractor) {
        self.diagnostics = diagnostics
        self.comments = comments
    }

    /// Checks `syntax`, reporting into `diagnostics`. Returns the schema when no stage so far has reported an error.
    static func validate(_ syntax: SchemaSyntax, diagnostics: inout DiagnosticCollector) -> Schema? {
        var validator = SchemaValidator(diagnostics: diagnostics, comments: syntax.comments)
        let schema = validator.readSchema(syntax)
        diagnostics = validator.diagnostics
        return diagnostics.hasErrors ? nil : schema
    }

    // MARK: - Document

    private mutating func readSchema(_ syntax: SchemaSyntax) -> Schema {
        var version = 1
        if let node = syntax.version {
            if let scalar = node.schemaText, let value = Int(scalar) {
                if value != 1 {
                    diagnostics.report(.unsupportedVersion, "unsupported schema version \(value); this generator reads version 1", at: node.location)
                }
                version = value
            } else {
                diagnostics.report(.unsupportedVersion, "'version' must be the number 1; found \(node.shapeDescription)", at: node.location)
            }
        } else {
            diagnostics.report(.missingField, "missing 'version: 1' at the top of the schema", at: syntax.root.location)
        }

        let namespace = syntax.namespace.flatMap { readNamespace($0) }

        var defaultTTL = Self.builtinDefaultTTL
        if let node = syntax.defaultTTL, let value = readDuration(node) {
            defaultTTL = value.milliseconds
        }

        var access = AccessLevel.internal
        if let node = syntax.access {
            let written = node.schemaText ?? ""
            if let level = AccessLevel(rawValue: written) {
                access = level
            } else {
                diagnostics.report(.invalidAccessLevel, "'access' must be public, package or internal; found \(node.shapeDescription)" + Suggestions.didYouMean(written, among: AccessLevel.allCases.map(\.rawValue)), at: node.location)
            }
        }

        let ttlClasses = readTTLClasses(syntax.ttlClasses)
        for ttlClass in ttlClasses { ttlClassesByName[ttlClass.name] = ttlClass }

        var entities: [Entity] = []
        if let field = syntax.entities {
            if let entries = field.content {
                entities = entries.compactMap { readEntity($0, defaultTTL: defaultTTL) }
                if entries.isEmpty {
                    diagnostics.report(.emptyEntities, "'entities' is empty; the schema declares no keys", at: field.node.location)
                }
            }
        } else {
            diagnostics.report(.missingField, "missing 'entities:'; declare at least one entity with its keys", at: syntax.root.location)
        }

        checkNameClashes(ttlClasses: ttlClasses, entities: entities)

        return Schema(
            file: syntax.file,
            version: version,
            namespace: namespace,
            defaultTTL: defaultTTL,
            ttlClasses: ttlClasses,
            entities: entities,
            access: access,
            documentation: comments.fileDocumentation()
        )
    }

    private mutating func readNamespace(_ node: Node) -> String? {
        guard let text = node.schemaText else {
            diagnostics.report(.wrongShape, "'namespace' must be a string such as 'shop'; found \(node.shapeDescription)", at: node.location)
            return nil
        }
        let start = node.contentLocation
        guard !text.isEmpty else {
            diagnostics.report(.invalidNamespace, "'namespace' is empty; remove it or write a prefix such as 'shop'", at: start)
            return nil
        }
        for (offset, character) in text.enumerated() where !CachePattern.isLiteralCharacter(character) {
            diagnostics.report(.invalidNamespace, "character \(CachePattern.describe(character)) is not allowed in a namespace; use letters, digits and : _ - . / @ = # + ,", at: start.advanced(by: offset))
            return nil
        }
        if text.hasSuffix(":") {
            diagnostics.report(.invalidNamespace, "'namespace' must not end with ':'; the generator adds the separator", at: start.advanced(by: text.count - 1))
            return nil
        }
        return text
    }

    // MARK: - TTL classes

    private mutating func readTTLClasses(_ entries: [TTLClassSyntax]) -> [TTLClass] {
        var result: [TTLClass] = []
        for entry in entries {
            guard let name = readName(entry.name, kind: .ttlClass), let body = entry.body else {
                if let written = entry.name.schemaText { rejectedTTLClasses.insert(written) }
                continue
            }
            let owner = "TTL class '\(name)'"
            let freshness = readFreshness(body.freshness, owner: owner)
            let nearCache = readNearCache(body.nearCache, owner: owner)
            guard let durationNode = body.duration else {
                diagnostics.report(.missingField, "\(owner) has no 'duration'; write e.g. '\(name): { duration: 30m, early: 1 }'", at: body.value.location)
                rejectedTTLClasses.insert(name)
                continue
            }
            guard let duration = readDuration(durationNode) else {
                rejectedTTLClasses.insert(name)
                continue
            }
            checkStaleWindow(freshness, syntax: body.freshness, ttl: duration.milliseconds, owner: owner)
            checkNearCacheTTL(nearCache, syntax: body.nearCache, ttl: duration.milliseconds, owner: owner)
            result.append(TTLClass(
                name: name,
                swiftName: SwiftNaming.lowerCamelCase(name),
                duration: duration.milliseconds,
                written: duration.written,
                location: entry.name.location,
                documentation: comments.documentation(forLine: entry.name.location.line),
                freshness: Freshness.none.overridden(by: freshness),
                nearCache: nearCache?.value))
        }
        return result
    }

    private mutating func readDuration(_ node: Node) -> (milliseconds: Milliseconds, written: String)? {
        guard let text = readScalar(node, .invalidDuration, expected: "expected a duration such as '5m'"),
            let milliseconds = readDuration(text, at: node, .invalidDuration, use: .ttl)
        else { return nil }
        return (milliseconds, text)
    }

    /// The duration `text` written at `node`: `nil` after reporting `identifier`, the message naming the `field` it is
    /// (`'stale' of key 'user'`) when that is not clear from where it points.
    mutating func readDuration(_ text: String, at node: Node, _ identifier: DiagnosticID, field: String? = nil, use: DurationLiteral.Use) -> Milliseconds? {
        switch DurationLiteral.parse(text) {
        case .success(let milliseconds):
            return milliseconds
        case .failure(let failure):
            diagnostics.report(identifier, (field.map { "\($0): " } ?? "") + DurationLiteral.message(for: failure, written: text, use: use), at: node.location)
            return nil
        }
    }

    /// The text of a field that must be a scalar; `nil` after reporting `identifier` when it is a mapping or a list,
    /// `expected` saying what it must be.
    mutating func readScalar(_ node: Node, _ identifier: DiagnosticID, expected: String) -> String? {
        guard let text = node.schemaText else {
            diagnostics.report(identifier, "\(expected); found \(node.shapeDescription)", at: node.location)
            return nil
        }
        return text
    }

    // MARK: - Entities

    /// What checking an entity's keys and related patterns found besides diagnostics: whether an unused id
    /// parameter would only repeat an earlier error.
    private struct EntityProgress {
        /// A key or related pattern was dropped for an error.
        var incomplete = false
        /// Placeholders reported as undeclared (often a misspelt id parameter).
        var undeclaredPlaceholders: Set<String> = []
    }

    private mutating func readEntity(_ syntax: EntitySyntax, defaultTTL: Milliseconds) -> Entity? {
        guard let name = readName(syntax.name, kind: .entity), let body = syntax.body else { return nil }
        var progress = EntityProgress()

        // Names declared with an error already reported: patterns using them get no second error.
        var rejectedIdentity: Set<String> = []
        let identity = readParameters(body.identity, owner: "entity '\(name)'", allowDefaults: false, rejected: &rejectedIdentity)

        var keys: [Key] = []
        if let field = body.keys {
            if let entries = field.content {
                if entries.isEmpty {
                    diagnostics.report(.emptyKeys, "entity '\(name)' declares no keys; add at least one under 'keys:'", at: field.node.location)
                    progress.incomplete = true
                }
                for entry in entries {
                    if let key = readKey(entry, entity: name, identity: identity, rejectedIdentity: rejectedIdentity, defaultTTL: defaultTTL, progress: &progress) {
                        keys.append(key)
                    } else {
                        progress.incomplete = true
                    }
                }
            } else {
                progress.incomplete = true
            }
        } else {
            diagnostics.report(.missingField, "entity '\(name)' has no 'keys:'; declare its cache keys", at: syntax.name.location)
            progress.incomplete = true
        }

        var related: [SchemaPattern] = []
        if let field = body.related {
            if field.content == nil { progress.incomplete = true }
            for item in field.content ?? [] {
                if let pattern = readRelated(item, entity: name, identity: identity, rejectedIdentity: rejectedIdentity) {
                    related.append(pattern)
                } else {
                    progress.incomplete = true
                }
            }
        }

        checkIdentitySpans(entity: name, identity: identity, keys: keys, related: related)

        // Every identity parameter must be used by some key or related pattern. After an undeclared placeholder
        // (often a misspelt id parameter) this would only repeat the same mistake, so it waits for that fix.
        let used = Set(keys.flatMap(\.pattern.placeholders) + related.flatMap(\.placeholders))
        if progress.undeclaredPlaceholders.isEmpty && !progress.incomplete {
            for parameter in identity where !used.contains(parameter.name) {
                diagnostics.report(.unusedParameter, "id parameter '\(parameter.name)' of entity '\(name)' is used by none of its key or related patterns; use it as '{\(parameter.name)}' or remove it", at: parameter.location)
            }
        }

        return Entity(
            name: name,
            swiftTypeName: SwiftNaming.upperCamelCase(name),
            swiftName: SwiftNaming.lowerCamelCase(name),
            identity: identity,
            keys: keys,
            related: related,
            location: syntax.name.location,
            documentation: comments.documentation(forLine: syntax.name.location.line))
    }

    /// A related glob, which may use only the entity's id parameters.
    private mutating func readRelated(_ item: Node, entity: String, identity: [Parameter], rejectedIdentity: Set<String>) -> SchemaPattern? {
        guard let text = item.schemaText else {
            diagnostics.report(.wrongShape, "a related pattern must be a string such as \"user:{user_id}:*\"; found \(item.shapeDescription)", at: item.location)
            return nil
        }
        guard let pattern = parsePattern(text, kind: .glob, at: item.contentLocation) else { return nil }
        var valid = !pattern.placeholders.contains(where: rejectedIdentity.contains)
        let declared = identity.map(\.name)
        for case .placeholder(let placeholder, let offset) in pattern.segments where !declared.contains(placeholder) && !rejectedIdentity.contains(placeholder) {
            let hint = declared.isEmpty ? "entity '\(entity)' has no id parameters" : "its id parameters are: \(declared.joined(separator: ", "))"
            diagnostics.report(.relatedNonIdentityPlaceholder, "related pattern uses '{\(placeholder)}', but a related pattern can use only the entity's id parameters; \(hint)" + Suggestions.didYouMean(placeholder, among: declared), at: pattern.location(atOffset: offset))
            valid = false
        }
        if !pattern.segments.contains(where: { if case .literal = $0 { true } else { false } }) {
            diagnostics.report(.relatedMatchesEverything, "related pattern '\(text)' has no literal text and would match every key of the namespace", at: pattern.location)
            valid = false
        }
        guard valid else { return nil }
        checkSeparators(pattern, types: Dictionary(uniqueKeysWithValues: identity.map { ($0.name, $0.type) }))
        return pattern
    }

    // MARK: - Keys

    private mutating func readKey(
        _ syntax: KeySyntax, entity: String, identity: [Parameter], rejectedIdentity: Set<String>, defaultTTL: Milliseconds,
        progress: inout EntityProgress
    ) -> Key? {
        guard let name = readName(syntax.name, kind: .key), let body = syntax.body else { return nil }

        var rejected = rejectedIdentity
        var parameters = readParameters(body.parameters, owner: "key '\(name)'", allowDefaults: true, rejected: &rejected)
        for parameter in parameters where identity.contains(where: { $0.name == parameter.name }) {
            diagnostics.report(.duplicateParameter, "parameter '\(parameter.name)' of key '\(name)' is already an id parameter of entity '\(entity)'; remove it from 'params'", at: parameter.location)
        }
        parameters.removeAll { parameter in identity.contains { $0.name == parameter.name } }

        var pattern: SchemaPattern?
        if let node = body.pattern {
            if let text = node.schemaText {
                pattern = parsePattern(text, kind: .key, at: node.contentLocation)
            } else if case .mapping = node {
                diagnostics.report(.wrongShape, "pattern of key '\(name)' is a YAML mapping; quote patterns that start with '{', e.g. pattern: \"{user_id}:profile\"", at: node.location)
            } else {
                diagnostics.report(.wrongShape, "pattern of key '\(name)' must be a string such as \"user:{user_id}\"; found \(node.shapeDescription)", at: node.location)
            }
        } else {
            diagnostics.report(.missingField, "key '\(name)' has no 'pattern'; add e.g. pattern: \"\(name):{id}\"", at: syntax.name.location)
        }

        var ttl = TTLReference.schemaDefault(defaultTTL)
        var ttlIsKnown = true
        if let node = body.ttl {
            if let reference = readTTL(node, key: name) { ttl = reference } else { ttlIsKnown = false }
        }

        // The key's own fields override its TTL class's; a literal or default TTL has none to inherit.
        let owner = "key '\(name)'"
        let declaredFreshness = readFreshness(body.freshness, owner: owner)
        let declaredNearCache = readNearCache(body.nearCache, owner: owner)
        if ttlIsKnown {
            checkStaleWindow(declaredFreshness, syntax: body.freshness, ttl: ttl.milliseconds, owner: owner)
            checkNearCacheTTL(declaredNearCache, syntax: body.nearCache, ttl: ttl.milliseconds, owner: owner)
        }
        let ttlClass = ttl.className.flatMap { ttlClassesByName[$0] }

        var valueType: String?
        if let node = body.value {
            if let text = node.schemaText, SwiftTypeExpression.isValid(text) {
                valueType = text
            } else {
                diagnostics.report(.invalidValueType, "'value' must be a Swift type such as UserDTO, [OrderDTO] or Page<OrderDTO>; found \(node.shapeDescription)", at: node.location)
            }
        }

        guard let pattern else { return nil }
        let undeclared = checkPlaceholders(pattern, key: name, entity: entity, identity: identity, parameters: parameters, rejected: rejected)
        progress.undeclaredPlaceholders.formUnion(undeclared)
        var types: [String: CacheParameterType] = [:]
        for parameter in identity + parameters { types[parameter.name] = parameter.type }
        checkSeparators(pattern, types: types)

        // Key parameters in pattern order, identity parameters excluded.
        let order = pattern.placeholders
        let ordered = parameters.sorted { (order.firstIndex(of: $0.name) ?? .max) < (order.firstIndex(of: $1.name) ?? .max) }
        return Key(
            name: name,
            swiftName: SwiftNaming.lowerCamelCase(name),
            entity: entity,
            pattern: pattern,
            parameters: ordered,
            ttl: ttl,
            valueType: valueType,
            freshness: (ttlClass?.freshness ?? .none).overridden(by: declaredFreshness),
            nearCache: FieldSetting.resolve(declaredNearCache, over: ttlClass?.nearCache),
            location: syntax.name.location,
            documentation: comments.documentation(forLine: syntax.name.location.line))
    }

    /// A key's `ttl`: a TTL class name or a literal duration; `nil` after an error.
    private mutating func readTTL(_ node: Node, key: String) -> TTLReference? {
        guard let text = node.schemaText else {
            diagnostics.report(.wrongShape, "'ttl' of key '\(key)' must be a TTL class name or a duration such as '5m'; found \(node.shapeDescription)", at: node.location)
            return nil
        }
        if let ttlClass = ttlClassesByName[text] {
            return .named(ttlClass.name, ttlClass.duration)
        }
        if rejectedTTLClasses.contains(text) {
            // The class's own error is reported where it is declared.
            return nil
        }
        if text.first?.isASCIIDigit ?? false || text.hasPrefix("-") {
            return readDuration(node).map { .literal($0.written, $0.milliseconds) }
        }
        let classes = ttlClassesByName.keys.sorted()
        let known = classes.isEmpty ? "the schema declares no TTL classes under 'ttl:'" : "declared classes: \(classes.joined(separator: ", "))"
        diagnostics.report(.unknownTTLClass, "unknown TTL class '\(text)'" + Suggestions.didYouMean(text, among: classes) + "; write a class name or a duration such as '5m' (\(known))", at: node.location)
        return nil
    }
}
