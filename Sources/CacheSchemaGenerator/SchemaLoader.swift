import CacheSchemaCore
import Yams

/// Reads a schema file into a ``Schema``, reporting every problem with its line and column.
///
/// Loading never stops at the first problem: it collects as many diagnostics as it can, so that one `check` run
/// shows everything to fix. It returns no schema when there is an error.
struct SchemaLoader {
    static let topLevelFields = ["version", "namespace", "defaults", "swift", "ttl", "entities"]
    static let defaultsFields = ["ttl"]
    static let swiftFields = ["access"]
    static let entityFields = ["id", "keys", "related"]
    static let keyFields = ["pattern", "params", "ttl", "value"]
    static let parameterFields = ["type", "default"]
    static let builtinTypes = ["String", "Int", "UUID", "Bool"]
    /// The schema's built-in default TTL (SPEC §3).
    static let builtinDefaultTTL: Milliseconds = 300_000
    /// Member names generated code uses itself, which keys cannot take.
    static let reservedKeyNames: Set<String> = ["schema", "descriptors"]

    /// Composes the YAML document, accepting and rejecting exactly what composing with Yams's default resolver does,
    /// at a fraction of its cost. The nodes' tags may differ (every plain scalar a string): the loader never reads
    /// them.
    ///
    /// Tags matter here only to Yams's duplicate-key check, which compares mapping keys by text and tag (so `1` and
    /// `"1"` are different keys), and resolving a plain scalar's tag takes up to seven regular-expression matches:
    /// most of the cost of composing a large schema. Without explicit tags (no `!` in the text), the basic resolver
    /// (every scalar a string) finds every duplicate the default one finds, and more only when a plain and a quoted
    /// key have the same text; so a document it accepts is accepted as is, and one it rejects is composed again with
    /// the default tags, which decide.
    static func compose(_ text: String) throws -> Node? {
        if !text.utf8.contains(UInt8(ascii: "!")) {
            do {
                return try Yams.compose(yaml: text, .basic)
            } catch YamlError.duplicatedKeysInMapping {
                // Maybe `1` and `"1"`: settle it with the default tags below.
            }
        }
        return try Yams.compose(yaml: text, resolver)
    }

    /// Yams's default resolver, with one rule in front that settles, in a single regular-expression match, that a
    /// plain scalar is a string: it matches exactly when none of the default rules does, so every scalar gets the
    /// same tag as with the default resolver, with one match instead of seven for a name.
    static let resolver: Resolver = {
        let defaults = Resolver.default.rules
        let anyDefault = defaults.map { "(?:\($0.pattern))" }.joined(separator: "|")
        // A leading rule is only an optimisation: should Yams ever refuse it, the default resolver stays correct.
        guard let string = try? Resolver.Rule(.str, "^(?!\(anyDefault))") else { return .default }
        return defaults.reduce(Resolver.basic.appending(string)) { $0.appending($1) }
    }()

    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    private var comments = CommentExtractor(source: "")
    private var ttlClassesByName: [String: TTLClass] = [:]
    /// TTL classes declared with an error already reported, so that keys naming them get no second error.
    private var rejectedTTLClasses: Set<String> = []

    init(file: String) {
        self.file = file
    }

    /// Loads a schema from the raw bytes of a file. Returns the schema (when there is no error), the diagnostics, and
    /// the decoded text (for carets), when it decoded.
    static func load(bytes: [UInt8], file: String) -> (schema: Schema?, diagnostics: [Diagnostic], source: String?) {
        var loader = SchemaLoader(file: file)
        switch InputGuard.check(bytes) {
        case .failure(let problem):
            loader.error(problem.message, at: problem.location)
            return (nil, loader.diagnostics, nil)
        case .success(let text):
            let schema = loader.load(text: text)
            let hasError = loader.diagnostics.contains { $0.severity == .error }
            return (hasError ? nil : schema, loader.diagnostics.sorted(by: Self.order), text)
        }
    }

    static func order(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        (a.location, a.severity == .error ? 0 : 1, a.message) < (b.location, b.severity == .error ? 0 : 1, b.message)
    }

    // MARK: - Document

    private mutating func load(text: String) -> Schema? {
        comments = CommentExtractor(source: text)
        let root: Node?
        do {
            root = try Self.compose(text)
        } catch let error as YamlError {
            report(error, text: text)
            return nil
        } catch {
            self.error("cannot read YAML: \(error)", at: SourceLocation(line: 1, column: 1))
            return nil
        }
        guard let root, !isNull(root) else {
            error("schema is empty; start with 'version: 1' and an 'entities:' mapping", at: SourceLocation(line: 1, column: 1))
            return nil
        }
        guard case .mapping(let mapping) = root else {
            error("a schema is a mapping with 'version: 1' and 'entities:'; found \(describe(root))", at: location(of: root))
            return nil
        }
        return readSchema(mapping, text: text)
    }

    private mutating func report(_ error: YamlError, text: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if problem == "found character that cannot start any token",
                let line = SourceLines(text)[mark.line], line.unicodeScalars.dropFirst(max(mark.column - 1, 0)).first == "\t"
            {
                message = "invalid YAML: tab character in indentation; indent with spaces, YAML does not allow tabs there"
            } else if problem.hasPrefix("Maximum nesting level reached") {
                // libyaml's own limit (1000 levels), for nesting the pre-scan could not see; its text names a C call.
                message = "invalid YAML: nesting is too deep; a cache schema needs about 5 levels"
            } else if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            self.error(message, at: SourceLocation(line: max(mark.line, 1), column: max(mark.column, 1)))
        case .reader(let problem, let offset, _, let yaml):
            var location = SourceLocation(line: 1, column: 1)
            if let offset {
                location = InputGuard.location(ofByte: min(offset, yaml.utf8.count), in: Array(yaml.utf8))
            }
            self.error("invalid YAML input: \(problem)", at: location)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let name = duplicates.first ?? "?"
            let first = SourceLocation(line: context.mark.line, column: context.mark.column)
            let second = Self.findRepeat(of: name, after: first, in: text) ?? first
            self.error("duplicate field '\(name)'; it is already set at line \(first.line), column \(first.column)", at: second)
        default:
            self.error("cannot read YAML: \(error)", at: SourceLocation(line: 1, column: 1))
        }
    }

    /// Finds the second occurrence of a mapping key, for a duplicate Yams reports at the first.
    ///
    /// The repeat is a key of the same mapping, never a key of that name nested in the first one's value (an entity
    /// `user` whose first key is also named `user`). In a block mapping it is on a later line, at the first key's
    /// column with only spaces before it, before the mapping ends (a line that starts further left); in a flow mapping
    /// (`{a: 1, a: 2}`) it is at the first key's brace depth, before that mapping closes.
    static func findRepeat(of name: String, after first: SourceLocation, in text: String) -> SourceLocation? {
        let lines = SourceLines(text)
        guard let firstLine = lines[first.line] else { return nil }
        let column = first.column - 1
        let firstScalars = Array(firstLine.unicodeScalars)
        let isBlock = column <= firstScalars.count && firstScalars[..<column].allSatisfy { $0 == " " || $0 == "-" }
        var lineNumber = first.line + 1
        if isBlock {
            while let line = lines[lineNumber] {
                let scalars = Array(line.unicodeScalars)
                let indentation = scalars.prefix { $0 == " " }.count
                let isContent = indentation < scalars.count && scalars[indentation] != "#"
                if isContent && indentation < column { return nil }
                if isContent && indentation == column && isKey(name, at: column, in: scalars) {
                    return SourceLocation(line: lineNumber, column: column + 1)
                }
                lineNumber += 1
            }
            return nil
        }
        var depth = 0
        var quote: Unicode.Scalar?
        lineNumber = first.line
        // Scan from after the first key itself (quoted or plain).
        var start = column + name.unicodeScalars.count
        if column < firstScalars.count, firstScalars[column] == "\"" || firstScalars[column] == "'" {
            start = (firstScalars[(column + 1)...].firstIndex(of: firstScalars[column]) ?? column) + 1
        }
        while let line = lines[lineNumber] {
            let scalars = Array(line.unicodeScalars)
            var index = start
            while index < scalars.count {
                let scalar = scalars[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    if depth == 0 && isKey(name, at: index, in: scalars) {
                        return SourceLocation(line: lineNumber, column: index + 1)
                    }
                    quote = scalar
                } else if scalar == "{" || scalar == "[" {
                    depth += 1
                } else if scalar == "}" || scalar == "]" {
                    depth -= 1
                    if depth < 0 { return nil }
                } else if depth == 0 && isKey(name, at: index, in: scalars) {
                    return SourceLocation(line: lineNumber, column: index + 1)
                }
                index += 1
            }
            lineNumber += 1
            start = 0
        }
        return nil
    }

    /// Whether `name` (plain or quoted) starts a mapping key at `column`: after a separator, and followed by `:`.
    private static func isKey(_ name: String, at column: Int, in scalars: [Unicode.Scalar]) -> Bool {
        guard column == 0 || [" ", "{", ",", "\t", "-"].contains(scalars[column - 1]) else { return false }
        for candidate in [name, "\"\(name)\"", "'\(name)'"] {
            let candidateScalars = Array(candidate.unicodeScalars)
            guard column + candidateScalars.count <= scalars.count,
                Array(scalars[column..<(column + candidateScalars.count)]) == candidateScalars
            else { continue }
            var after = column + candidateScalars.count
            while after < scalars.count, scalars[after] == " " { after += 1 }
            if after < scalars.count, scalars[after] == ":" { return true }
        }
        return false
    }

    private mutating func readSchema(_ mapping: Node.Mapping, text: String) -> Schema? {
        let fields = readFields(mapping, allowed: Self.topLevelFields, context: "the schema")
        var version = 1
        if let node = fields["version"] {
            if let scalar = scalarString(node), let value = Int(scalar) {
                if value != 1 {
                    error("unsupported schema version \(value); this generator reads version 1", at: location(of: node))
                }
                version = value
            } else {
                error("'version' must be the number 1; found \(describe(node))", at: location(of: node))
            }
        } else {
            error("missing 'version: 1' at the top of the schema", at: location(of: .mapping(mapping)))
        }

        var namespace: String?
        if let node = fields["namespace"] {
            namespace = readNamespace(node)
        }

        var defaultTTL = Self.builtinDefaultTTL
        if let node = fields["defaults"], let defaults = expectMapping(node, what: "'defaults'") {
            let defaultFields = readFields(defaults, allowed: Self.defaultsFields, context: "'defaults'")
            if let ttlNode = defaultFields["ttl"], let value = readDuration(ttlNode) {
                defaultTTL = value.milliseconds
            }
        }

        var access = AccessLevel.internal
        if let node = fields["swift"], let swift = expectMapping(node, what: "'swift'") {
            let swiftFields = readFields(swift, allowed: Self.swiftFields, context: "'swift'")
            if let accessNode = swiftFields["access"] {
                let written = scalarString(accessNode) ?? ""
                if let level = AccessLevel(rawValue: written) {
                    access = level
                } else {
                    error("'access' must be public, package or internal; found \(describe(accessNode))" + Suggestions.didYouMean(written, among: AccessLevel.allCases.map(\.rawValue)), at: location(of: accessNode))
                }
            }
        }

        var ttlClasses: [TTLClass] = []
        if let node = fields["ttl"], let ttlMapping = expectMapping(node, what: "'ttl'") {
            ttlClasses = readTTLClasses(ttlMapping)
        }
        for ttlClass in ttlClasses { ttlClassesByName[ttlClass.name] = ttlClass }

        var entities: [Entity] = []
        if let node = fields["entities"] {
            if let entitiesMapping = expectMapping(node, what: "'entities'") {
                for (nameNode, valueNode) in entitiesMapping {
                    if let entity = readEntity(nameNode: nameNode, valueNode: valueNode, defaultTTL: defaultTTL) {
                        entities.append(entity)
                    }
                }
                if entitiesMapping.count == 0 {
                    warning("'entities' is empty; the schema declares no keys", at: location(of: node))
                }
            }
        } else {
            error("missing 'entities:'; declare at least one entity with its keys", at: location(of: .mapping(mapping)))
        }

        checkNameClashes(ttlClasses: ttlClasses, entities: entities)

        return Schema(
            file: file,
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
        guard let text = scalarString(node) else {
            error("'namespace' must be a string such as 'shop'; found \(describe(node))", at: location(of: node))
            return nil
        }
        let start = contentLocation(of: node)
        guard !text.isEmpty else {
            error("'namespace' is empty; remove it or write a prefix such as 'shop'", at: start)
            return nil
        }
        for (offset, character) in text.enumerated() where !CachePattern.isLiteralCharacter(character) {
            error("character \(CachePattern.describe(character)) is not allowed in a namespace; use letters, digits and : _ - . / @ = # + ,", at: start.advanced(by: offset))
            return nil
        }
        if text.hasSuffix(":") {
            error("'namespace' must not end with ':'; the generator adds the separator", at: start.advanced(by: text.count - 1))
            return nil
        }
        return text
    }

    // MARK: - TTL classes

    private mutating func readTTLClasses(_ mapping: Node.Mapping) -> [TTLClass] {
        var result: [TTLClass] = []
        for (nameNode, valueNode) in mapping {
            guard let name = readName(nameNode, what: "TTL class") else {
                if let written = scalarString(nameNode) { rejectedTTLClasses.insert(written) }
                continue
            }
            guard let duration = readDuration(valueNode) else {
                rejectedTTLClasses.insert(name)
                continue
            }
            result.append(TTLClass(
                name: name,
                swiftName: SwiftNaming.lowerCamelCase(name),
                duration: duration.milliseconds,
                written: duration.written,
                location: location(of: nameNode),
                documentation: comments.documentation(forLine: location(of: nameNode).line)))
        }
        return result
    }

    private mutating func readDuration(_ node: Node) -> (milliseconds: Milliseconds, written: String)? {
        guard let text = scalarString(node) else {
            error("expected a duration such as '5m'; found \(describe(node))", at: location(of: node))
            return nil
        }
        switch DurationLiteral.parse(text) {
        case .success(let milliseconds):
            return (milliseconds, text)
        case .failure(let failure):
            error(DurationLiteral.message(for: failure, written: text), at: location(of: node))
            return nil
        }
    }

    // MARK: - Entities

    private mutating func readEntity(nameNode: Node, valueNode: Node, defaultTTL: Milliseconds) -> Entity? {
        guard let name = readName(nameNode, what: "entity") else { return nil }
        guard let mapping = expectMapping(valueNode, what: "entity '\(name)'") else { return nil }
        let diagnosticsBefore = diagnostics.count
        let fields = readFields(mapping, allowed: Self.entityFields, context: "entity '\(name)'")

        var identity: [Parameter] = []
        // Names declared with an error already reported: patterns using them get no second error.
        var rejectedIdentity: Set<String> = []
        // Whether a key or related pattern was dropped for an error, so that unused-id checks would be noise.
        var incomplete = false
        if let idNode = fields["id"] {
            if case .mapping(let idMapping) = idNode {
                identity = readParameters(idMapping, owner: "entity '\(name)'", allowDefaults: false, rejected: &rejectedIdentity)
            } else if !isNull(idNode) {
                error("'id' of entity '\(name)' must map parameter names to types, e.g. '{ user_id: UUID }'; found \(describe(idNode))", at: location(of: idNode))
            }
        }
        let identityNames = Set(identity.map(\.name))

        var keys: [Key] = []
        if let keysNode = fields["keys"] {
            if let keysMapping = expectMapping(keysNode, what: "'keys' of entity '\(name)'") {
                if keysMapping.count == 0 {
                    error("entity '\(name)' declares no keys; add at least one under 'keys:'", at: location(of: keysNode))
                    incomplete = true
                }
                for (keyNameNode, keyValueNode) in keysMapping {
                    if let key = readKey(nameNode: keyNameNode, valueNode: keyValueNode, entity: name, identity: identity, rejectedIdentity: rejectedIdentity, defaultTTL: defaultTTL) {
                        keys.append(key)
                    } else {
                        incomplete = true
                    }
                }
            } else {
                incomplete = true
            }
        } else {
            error("entity '\(name)' has no 'keys:'; declare its cache keys", at: location(of: nameNode))
            incomplete = true
        }

        var related: [SchemaPattern] = []
        if let relatedNode = fields["related"] {
            let items: [Node]
            switch relatedNode {
            case .sequence(let sequence): items = Array(sequence)
            case .scalar: items = [relatedNode]
            default:
                error("'related' must be a list of glob patterns such as [\"user:{user_id}:*\"]; found \(describe(relatedNode))", at: location(of: relatedNode))
                items = []
                incomplete = true
            }
            for item in items {
                guard let text = scalarString(item) else {
                    error("a related pattern must be a string such as \"user:{user_id}:*\"; found \(describe(item))", at: location(of: item))
                    incomplete = true
                    continue
                }
                if let pattern = parsePattern(text, kind: .glob, at: contentLocation(of: item)) {
                    var valid = !pattern.placeholders.contains(where: rejectedIdentity.contains)
                    for case .placeholder(let placeholder, let offset) in pattern.segments where !identityNames.contains(placeholder) && !rejectedIdentity.contains(placeholder) {
                        let declared = identity.map(\.name)
                        let hint = declared.isEmpty ? "entity '\(name)' has no id parameters" : "its id parameters are: \(declared.joined(separator: ", "))"
                        error("related pattern uses '{\(placeholder)}', but a related pattern can use only the entity's id parameters; \(hint)" + Suggestions.didYouMean(placeholder, among: declared), at: pattern.location(atOffset: offset))
                        valid = false
                    }
                    if !pattern.segments.contains(where: { if case .literal = $0 { true } else { false } }) {
                        error("related pattern '\(text)' has no literal text and would match every key of the namespace", at: pattern.location)
                        valid = false
                    }
                    if valid {
                        checkSeparators(pattern, types: Dictionary(uniqueKeysWithValues: identity.map { ($0.name, $0.type) }))
                        related.append(pattern)
                    } else {
                        incomplete = true
                    }
                } else {
                    incomplete = true
                }
            }
        }

        // Every identity parameter must be used by some key or related pattern. After an undeclared placeholder
        // (often a misspelt id parameter) this would only repeat the same mistake, so it waits for that fix.
        let used = Set(keys.flatMap(\.pattern.placeholders) + related.flatMap(\.placeholders))
        let hadUndeclared = diagnostics.count > diagnosticsBefore && diagnostics[diagnosticsBefore...].contains { $0.message.contains("is not declared") }
        for parameter in identity where !used.contains(parameter.name) && !hadUndeclared && !incomplete {
            error("id parameter '\(parameter.name)' of entity '\(name)' is used by none of its key or related patterns; use it as '{\(parameter.name)}' or remove it", at: parameter.location)
        }

        return Entity(
            name: name,
            swiftTypeName: SwiftNaming.upperCamelCase(name),
            swiftName: SwiftNaming.lowerCamelCase(name),
            identity: identity,
            keys: keys,
            related: related,
            location: location(of: nameNode),
            documentation: comments.documentation(forLine: location(of: nameNode).line))
    }

    // MARK: - Keys

    private mutating func readKey(nameNode: Node, valueNode: Node, entity: String, identity: [Parameter], rejectedIdentity: Set<String>, defaultTTL: Milliseconds) -> Key? {
        guard let name = readName(nameNode, what: "key") else { return nil }
        if Self.reservedKeyNames.contains(SwiftNaming.lowerCamelCase(name)) {
            error("key name '\(name)' is reserved by generated code (CacheKeys.\(SwiftNaming.lowerCamelCase(name))); choose another name", at: location(of: nameNode))
            return nil
        }
        guard let mapping = expectMapping(valueNode, what: "key '\(name)'") else { return nil }
        let fields = readFields(mapping, allowed: Self.keyFields, context: "key '\(name)'")

        var parameters: [Parameter] = []
        var rejected = rejectedIdentity
        if let paramsNode = fields["params"] {
            if case .mapping(let paramsMapping) = paramsNode {
                parameters = readParameters(paramsMapping, owner: "key '\(name)'", allowDefaults: true, rejected: &rejected)
            } else if !isNull(paramsNode) {
                error("'params' of key '\(name)' must map parameter names to types, e.g. '{ page: Int }'; found \(describe(paramsNode))", at: location(of: paramsNode))
            }
        }
        for parameter in parameters where identity.contains(where: { $0.name == parameter.name }) {
            error("parameter '\(parameter.name)' of key '\(name)' is already an id parameter of entity '\(entity)'; remove it from 'params'", at: parameter.location)
        }
        parameters.removeAll { parameter in identity.contains { $0.name == parameter.name } }

        var pattern: SchemaPattern?
        if let patternNode = fields["pattern"] {
            if let text = scalarString(patternNode) {
                pattern = parsePattern(text, kind: .key, at: contentLocation(of: patternNode))
            } else if case .mapping = patternNode {
                error("pattern of key '\(name)' is a YAML mapping; quote patterns that start with '{', e.g. pattern: \"{user_id}:profile\"", at: location(of: patternNode))
            } else {
                error("pattern of key '\(name)' must be a string such as \"user:{user_id}\"; found \(describe(patternNode))", at: location(of: patternNode))
            }
        } else {
            error("key '\(name)' has no 'pattern'; add e.g. pattern: \"\(name):{id}\"", at: location(of: nameNode))
        }

        var ttl = TTLReference.schemaDefault(defaultTTL)
        if let ttlNode = fields["ttl"] {
            if let text = scalarString(ttlNode) {
                if let ttlClass = ttlClassesByName[text] {
                    ttl = .named(ttlClass.name, ttlClass.duration)
                } else if rejectedTTLClasses.contains(text) {
                    // The class's own error is reported where it is declared.
                } else if text.first.map({ $0.isASCII && $0.isNumber }) ?? false || text.hasPrefix("-") {
                    if let duration = readDuration(ttlNode) { ttl = .literal(duration.written, duration.milliseconds) }
                } else {
                    let classes = ttlClassesByName.keys.sorted()
                    let known = classes.isEmpty ? "the schema declares no TTL classes under 'ttl:'" : "declared classes: \(classes.joined(separator: ", "))"
                    error("unknown TTL class '\(text)'" + Suggestions.didYouMean(text, among: classes) + "; write a class name or a duration such as '5m' (\(known))", at: location(of: ttlNode))
                }
            } else {
                error("'ttl' of key '\(name)' must be a TTL class name or a duration such as '5m'; found \(describe(ttlNode))", at: location(of: ttlNode))
            }
        }

        var valueType: String?
        if let valueNode = fields["value"] {
            if let text = scalarString(valueNode), SwiftTypeExpression.isValid(text) {
                valueType = text
            } else {
                error("'value' must be a Swift type such as UserDTO, [OrderDTO] or Page<OrderDTO>; found \(describe(valueNode))", at: location(of: valueNode))
            }
        }

        guard let pattern else { return nil }
        checkPlaceholders(pattern, key: name, entity: entity, identity: identity, parameters: parameters, rejected: rejected)
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
            location: location(of: nameNode),
            documentation: comments.documentation(forLine: location(of: nameNode).line))
    }

    /// `rejected` holds names declared with an error already reported; placeholders naming them get no second error.
    private mutating func checkPlaceholders(_ pattern: SchemaPattern, key: String, entity: String, identity: [Parameter], parameters: [Parameter], rejected: Set<String>) {
        let declared = identity.map(\.name) + parameters.map(\.name)
        var seen: Set<String> = []
        for case .placeholder(let name, let offset) in pattern.segments {
            let at = pattern.location(atOffset: offset)
            if !seen.insert(name).inserted {
                error("placeholder '{\(name)}' appears twice in the pattern of key '\(key)'; use each parameter once", at: at)
            } else if !declared.contains(name) && !rejected.contains(name) {
                error("placeholder '{\(name)}' in key '\(key)' is not declared; add it to the key's 'params' or to the id of entity '\(entity)'" + Suggestions.didYouMean(name, among: declared), at: at)
            }
        }
        for parameter in parameters where !seen.contains(parameter.name) {
            error("parameter '\(parameter.name)' of key '\(key)' is not used in its pattern '\(pattern.text)'; use it as '{\(parameter.name)}' or remove it", at: parameter.location)
        }
    }

    /// A variable-length value must be followed by a character it can never contain, so that every concrete key has
    /// exactly one reading (`{name}-{city}` is ambiguous: `-` can occur in an encoded String).
    private mutating func checkSeparators(_ pattern: SchemaPattern, types: [String: CacheParameterType]) {
        for (index, segment) in pattern.segments.enumerated() {
            guard case .placeholder(let name, let offset) = segment, let type = types[name],
                index + 1 < pattern.segments.count, case .literal(let next) = pattern.segments[index + 1],
                let first = next.unicodeScalars.first
            else { continue }
            let alphabet = KeyAlphabet.valueAlphabet(of: type)
            if alphabet.contains(UInt8(first.value)) && KeyAlphabet.isVariableLength(type) {
                let separators = KeyAlphabet.separators(for: type)
                error("'{\(name)}' is followed by '\(first)', which can occur in an encoded \(type) value, so a key would have two readings; follow it with one of \(separators)", at: pattern.location(atOffset: offset))
            }
        }
    }

    /// Parses a pattern whose text starts at `location`; a problem becomes an error at its place in the file.
    private mutating func parsePattern(_ text: String, kind: CachePattern.Kind, at location: SourceLocation) -> SchemaPattern? {
        do {
            return SchemaPattern(try CachePattern(text, kind: kind), at: location)
        } catch {
            self.error(error.message, at: location.advanced(by: error.offset))
            return nil
        }
    }

    // MARK: - Parameters

    /// Reads parameter declarations; the names of those refused with an error go into `rejected`.
    private mutating func readParameters(_ mapping: Node.Mapping, owner: String, allowDefaults: Bool, rejected: inout Set<String>) -> [Parameter] {
        var result: [Parameter] = []
        for (nameNode, valueNode) in mapping {
            guard let name = readName(nameNode, what: "parameter") else {
                if let written = scalarString(nameNode) { rejected.insert(written) }
                continue
            }
            var typeNode = valueNode
            var defaultNode: Node?
            if case .mapping(let detail) = valueNode {
                let fields = readFields(detail, allowed: Self.parameterFields, context: "parameter '\(name)'")
                guard let type = fields["type"] else {
                    error("parameter '\(name)' has no 'type'; write e.g. '{ type: Int, default: 1 }'", at: location(of: valueNode))
                    rejected.insert(name)
                    continue
                }
                typeNode = type
                defaultNode = fields["default"]
            }
            guard let type = readParameterType(typeNode, parameter: name) else {
                rejected.insert(name)
                continue
            }
            var defaultValue: DefaultValue?
            if let defaultNode {
                if !allowDefaults {
                    error("id parameter '\(name)' of \(owner) cannot have a default; an entity's identity is always given", at: location(of: defaultNode))
                } else {
                    defaultValue = readDefault(defaultNode, type: type, parameter: name)
                }
            }
            result.append(Parameter(name: name, swiftName: SwiftNaming.lowerCamelCase(name), type: type, defaultValue: defaultValue, location: location(of: nameNode)))
        }
        return result
    }

    private mutating func readParameterType(_ node: Node, parameter: String) -> CacheParameterType? {
        guard let text = scalarString(node), !text.isEmpty else {
            error("type of parameter '\(parameter)' must be String, Int, UUID, Bool or a LosslessStringConvertible type name; found \(describe(node))", at: location(of: node))
            return nil
        }
        switch text {
        case "String": return .string
        case "Int": return .int
        case "UUID": return .uuid
        case "Bool": return .bool
        case "Double", "Float", "Float16", "Float32", "Float64", "Float80", "CGFloat", "Decimal":
            error("parameter '\(parameter)' has floating-point type \(text); floating-point values make unstable keys (0.1 + 0.2), use Int (e.g. cents) or String", at: location(of: node))
            return nil
        case "Date", "Data", "URL":
            error("parameter '\(parameter)' has type \(text), which is not LosslessStringConvertible; pass a stable text form as String, or a UUID/Int", at: location(of: node))
            return nil
        default:
            if let builtin = Self.builtinTypes.first(where: { $0.lowercased() == text.lowercased() }) {
                error("unknown parameter type '\(text)'; did you mean '\(builtin)'? Types are case-sensitive", at: location(of: node))
                return nil
            }
            if text.hasSuffix("?") {
                error("parameter '\(parameter)' has optional type \(text); key parameters cannot be optional, give a default instead", at: location(of: node))
                return nil
            }
            guard SwiftNaming.isValidTypeName(text) else {
                error("type of parameter '\(parameter)' must be String, Int, UUID, Bool or a LosslessStringConvertible type name such as Tenant.ID; found '\(text)'", at: location(of: node))
                return nil
            }
            if let builtin = Suggestions.closest(to: text, among: Self.builtinTypes), text.count <= builtin.count + 1 {
                error("unknown parameter type '\(text)'; did you mean '\(builtin)'?", at: location(of: node))
                return nil
            }
            return .custom(text)
        }
    }

    private mutating func readDefault(_ node: Node, type: CacheParameterType, parameter: String) -> DefaultValue? {
        guard let text = scalarString(node) else {
            error("default of parameter '\(parameter)' must be a single \(type) value; found \(describe(node))", at: location(of: node))
            return nil
        }
        switch type {
        case .string:
            return .string(text)
        case .int:
            if let value = Int(text) { return .int(value) }
        case .bool:
            if let value = Bool(text) { return .bool(value) }
        case .uuid:
            if Self.isCanonicalUUID(text) { return .uuid(text.lowercased()) }
        case .custom(let name):
            error("default of parameter '\(parameter)' cannot be given for type \(name); defaults are supported for String, Int, UUID and Bool", at: location(of: node))
            return nil
        }
        error("default '\(text)' of parameter '\(parameter)' is not a valid \(type)", at: location(of: node))
        return nil
    }

    static func isCanonicalUUID(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 36 else { return false }
        for (index, scalar) in scalars.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard scalar == "-" else { return false }
            } else {
                guard scalar.properties.isASCIIHexDigit else { return false }
            }
        }
        return true
    }

    // MARK: - Names

    private mutating func checkNameClashes(ttlClasses: [TTLClass], entities: [Entity]) {
        func check(_ items: [(name: String, swift: String, location: SourceLocation)], what: String, namespace: String) {
            var seen: [String: (name: String, location: SourceLocation)] = [:]
            for item in items {
                if let previous = seen[item.swift] {
                    error("\(what) '\(item.name)' becomes Swift name '\(item.swift)' in \(namespace), which \(what) '\(previous.name)' (line \(previous.location.line)) already uses; rename one of them", at: item.location)
                } else {
                    seen[item.swift] = (item.name, item.location)
                }
            }
        }
        check(ttlClasses.map { ($0.name, $0.swiftName, $0.location) }, what: "TTL class", namespace: "CacheTTL")
        check(entities.flatMap(\.keys).map { ($0.name, $0.swiftName, $0.location) }, what: "key", namespace: "CacheKeys")
        check(entities.map { ($0.name, $0.swiftTypeName, $0.location) }, what: "entity", namespace: "the invalidator")
        for entity in entities {
            for key in entity.keys {
                let labels = entity.identity.filter { key.pattern.placeholders.contains($0.name) } + key.parameters
                check(labels.map { ($0.name, $0.swiftName, $0.location) }, what: "parameter", namespace: "CacheKeys.\(key.swiftName)")
            }
            check(entity.identity.map { ($0.name, $0.swiftName, $0.location) }, what: "parameter", namespace: "invalidate\(entity.swiftTypeName)")
        }
    }

    /// Reads a name (entity, key, parameter, TTL class): a valid schema name that is not a Swift keyword.
    private mutating func readName(_ node: Node, what: String) -> String? {
        guard let name = scalarString(node) else {
            error("\(what) name must be a plain name; found \(describe(node))", at: location(of: node))
            return nil
        }
        guard SwiftNaming.isValidSchemaName(name) else {
            error("\(what) name '\(name)' must start with a lower-case letter and contain only ASCII letters, digits and single underscores (e.g. user_id or userByEmail)", at: location(of: node))
            return nil
        }
        let swiftName = SwiftNaming.lowerCamelCase(name)
        if SwiftNaming.keywords.contains(name) || SwiftNaming.keywords.contains(swiftName) {
            error("\(what) name '\(name)' is a Swift keyword; choose another name (names are never silently renamed)", at: location(of: node))
            return nil
        }
        return name
    }

    // MARK: - Node helpers

    /// Reads a mapping's fields, reporting unknown ones with a suggestion. Duplicates are reported by the YAML layer.
    private mutating func readFields(_ mapping: Node.Mapping, allowed: [String], context: String) -> [String: Node] {
        var fields: [String: Node] = [:]
        for (keyNode, valueNode) in mapping {
            guard let name = scalarString(keyNode) else {
                error("field names of \(context) must be plain strings; found \(describe(keyNode))", at: location(of: keyNode))
                continue
            }
            guard allowed.contains(name) else {
                // Past the number of diagnostics shown, suggestions would be computed for nothing.
                let suggestion = diagnostics.count < CacheSchemaCompiler.maximumDiagnostics ? Suggestions.didYouMean(name, among: allowed) : ""
                error("unknown field '\(name)' in \(context)" + suggestion + "; allowed fields: \(allowed.joined(separator: ", "))", at: location(of: keyNode))
                continue
            }
            fields[name] = valueNode
        }
        return fields
    }

    private mutating func expectMapping(_ node: Node, what: String) -> Node.Mapping? {
        if case .mapping(let mapping) = node { return mapping }
        error("\(what) must be a mapping; found \(describe(node))", at: location(of: node))
        return nil
    }

    private func scalarString(_ node: Node) -> String? {
        if case .scalar(let scalar) = node, !isNull(node) { return scalar.string }
        return nil
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing (null)" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(line: 1, column: 1) }
        return SourceLocation(line: max(mark.line, 1), column: max(mark.column, 1))
    }

    /// Where a scalar's text starts: after the opening quote for quoted scalars.
    private func contentLocation(of node: Node) -> SourceLocation {
        let start = location(of: node)
        if case .scalar(let scalar) = node, scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
            return start.advanced(by: 1)
        }
        return start
    }

    private mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.error, Self.clipped(message), file: file, at: location))
    }

    private mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.warning, Self.clipped(message), file: file, at: location))
    }

    /// The message with any run of more than 200 non-blank characters (a name or value quoted from the file) cut to
    /// 100 and `…`, so that a hostile file cannot make a diagnostic megabytes long.
    static func clipped(_ message: String) -> String {
        guard message.utf8.count > 200 else { return message }
        var result = ""
        var word = ""
        func flush() {
            if word.count > 200 {
                // Keep a closing quote or punctuation, so that the sentence still reads.
                let closing = word.last.map { "'\")],;:".contains($0) ? String($0) : "" } ?? ""
                result += String(word.prefix(100)) + "…" + closing
            } else {
                result += word
            }
            word = ""
        }
        for character in message {
            if character == " " {
                flush()
                result.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return result
    }
}
