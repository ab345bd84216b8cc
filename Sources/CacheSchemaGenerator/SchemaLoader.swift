import Yams

/// The load stage: a schema file's bytes in, its ``SchemaSyntax`` out.
///
/// It refuses input no schema can be (``InputGuard``), reports bad YAML with its line and column, fields the format
/// does not know, fields set twice, and values of the wrong shape where the document's structure needs a mapping or a
/// list. It checks no value: that is the validate stage's work.
struct SchemaLoader {
    static let topLevelFields = ["version", "namespace", "defaults", "swift", "ttl", "entities"]
    static let defaultsFields = ["ttl"]
    static let swiftFields = ["access"]
    static let entityFields = ["id", "keys", "related"]
    static let keyFields = ["pattern", "params", "ttl", "value"] + FreshnessSyntax.fieldNames + [NearCacheSyntax.fieldName]
    /// The fields of a TTL class written as a mapping.
    static let ttlClassFields = ["duration"] + FreshnessSyntax.fieldNames + [NearCacheSyntax.fieldName]
    static let parameterFields = ["type", "default"]

    /// What the load stage gives.
    struct Output {
        /// The decoded text, when the bytes decoded (for carets under diagnostics).
        var source: String?
        /// The syntax, when the text is a YAML mapping.
        var syntax: SchemaSyntax?
    }

    private var diagnostics: DiagnosticCollector

    private init(diagnostics: DiagnosticCollector) {
        self.diagnostics = diagnostics
    }

    /// Loads a schema from the raw bytes of a file, reporting into `diagnostics`.
    static func load(bytes: [UInt8], diagnostics: inout DiagnosticCollector) -> Output {
        switch InputGuard.check(bytes) {
        case .failure(let problem):
            diagnostics.report(problem.identifier, problem.message, at: problem.location)
            return Output(source: nil, syntax: nil)
        case .success(let text):
            var loader = SchemaLoader(diagnostics: diagnostics)
            let syntax = loader.load(text: text)
            diagnostics = loader.diagnostics
            return Output(source: text, syntax: syntax)
        }
    }

    // MARK: - Document

    private mutating func load(text: String) -> SchemaSyntax? {
        let root: Node?
        do {
            root = try SchemaComposer.compose(text)
        } catch let error as YamlError {
            report(error, text: text)
            return nil
        } catch {
            diagnostics.report(.invalidYAML, "cannot read YAML: \(error)", at: SourceLocation(line: 1, column: 1))
            return nil
        }
        guard let root, !root.isNull else {
            diagnostics.report(.emptySchema, "schema is empty; start with 'version: 1' and an 'entities:' mapping", at: SourceLocation(line: 1, column: 1))
            return nil
        }
        guard case .mapping(let mapping) = root else {
            diagnostics.report(.wrongShape, "a schema is a mapping with 'version: 1' and 'entities:'; found \(root.shapeDescription)", at: root.location)
            return nil
        }
        return readSchema(mapping, root: root, text: text)
    }

    private mutating func report(_ error: YamlError, text: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var identifier = DiagnosticID.invalidYAML
            var message = "invalid YAML: \(problem)"
            if problem == "found character that cannot start any token",
                let line = SourceLines(text)[mark.line], line.unicodeScalars.dropFirst(max(mark.column - 1, 0)).first == "\t"
            {
                message = "invalid YAML: tab character in indentation; indent with spaces, YAML does not allow tabs there"
            } else if problem.hasPrefix("Maximum nesting level reached") {
                // libyaml's own limit (1000 levels), for nesting the pre-scan could not see; its text names a C call.
                identifier = .nestingTooDeep
                message = "invalid YAML: nesting is too deep; a cache schema needs about 5 levels"
            } else if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            diagnostics.report(identifier, message, at: SourceLocation(line: max(mark.line, 1), column: max(mark.column, 1)))
        case .reader(let problem, let offset, _, let yaml):
            var location = SourceLocation(line: 1, column: 1)
            if let offset {
                location = InputGuard.location(ofByte: min(offset, yaml.utf8.count), in: Array(yaml.utf8))
            }
            diagnostics.report(.invalidYAML, "invalid YAML input: \(problem)", at: location)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let name = duplicates.first ?? "?"
            let first = SourceLocation(line: context.mark.line, column: context.mark.column)
            let second = DuplicateFieldLocator.repeatOf(name, after: first, in: text) ?? first
            diagnostics.report(.duplicateField, "duplicate field '\(name)'; it is already set at line \(first.line), column \(first.column)", at: second)
        default:
            diagnostics.report(.invalidYAML, "cannot read YAML: \(error)", at: SourceLocation(line: 1, column: 1))
        }
    }

    // MARK: - Structure

    private mutating func readSchema(_ mapping: Node.Mapping, root: Node, text: String) -> SchemaSyntax {
        let fields = readFields(mapping, allowed: Self.topLevelFields, context: "the schema")
        var syntax = SchemaSyntax(
            file: diagnostics.file,
            root: root,
            comments: CommentExtractor(source: text),
            version: fields["version"],
            namespace: fields["namespace"],
            ttlClasses: [])
        if let node = fields["defaults"], let defaults = expectMapping(node, what: "'defaults'") {
            syntax.defaultTTL = readFields(defaults, allowed: Self.defaultsFields, context: "'defaults'")["ttl"]
        }
        if let node = fields["swift"], let swift = expectMapping(node, what: "'swift'") {
            syntax.access = readFields(swift, allowed: Self.swiftFields, context: "'swift'")["access"]
        }
        if let node = fields["ttl"], let ttl = expectMapping(node, what: "'ttl'") {
            syntax.ttlClasses = ttl.map { readTTLClass(name: $0.key, value: $0.value) }
        }
        if let node = fields["entities"] {
            let entities = expectMapping(node, what: "'entities'").map { mapping in
                mapping.map { readEntity(name: $0.key, value: $0.value) }
            }
            syntax.entities = SchemaSyntax.Field(node: node, content: entities)
        }
        return syntax
    }

    /// A TTL class: a plain duration, or a mapping with its `duration` and freshness fields.
    private mutating func readTTLClass(name nameNode: Node, value: Node) -> TTLClassSyntax {
        guard let name = SchemaNameRule.acceptedName(nameNode, kind: .ttlClass) else { return TTLClassSyntax(name: nameNode, body: nil) }
        guard case .mapping(let mapping) = value else {
            return TTLClassSyntax(name: nameNode, body: TTLClassSyntax.Body(value: value, duration: value, freshness: .none))
        }
        let owner = "TTL class '\(name)'"
        let fields = readFields(mapping, allowed: Self.ttlClassFields, context: owner)
        return TTLClassSyntax(
            name: nameNode,
            body: TTLClassSyntax.Body(
                value: value, duration: fields["duration"], freshness: FreshnessSyntax(fields: fields), nearCache: readNearCache(fields, owner: owner)))
    }

    /// The `near` field among a TTL class's or a key's `fields`: the fields of its mapping (others are unknown), or the
    /// value the validate stage checks (`off`).
    private mutating func readNearCache(_ fields: [String: Node], owner: String) -> NearCacheSyntax? {
        guard let node = fields[NearCacheSyntax.fieldName] else { return nil }
        guard case .mapping(let mapping) = node else { return NearCacheSyntax(value: node, fields: nil) }
        let nearFields = readFields(mapping, allowed: NearCacheSyntax.mappingFields, context: "'near' of \(owner)")
        return NearCacheSyntax(value: node, fields: NearCacheSyntax.Fields(ttl: nearFields["ttl"], capacity: nearFields["capacity"]))
    }

    private mutating func readEntity(name nameNode: Node, value: Node) -> EntitySyntax {
        guard let name = SchemaNameRule.acceptedName(nameNode, kind: .entity),
            let mapping = expectMapping(value, what: "entity '\(name)'")
        else { return EntitySyntax(name: nameNode, body: nil) }
        let fields = readFields(mapping, allowed: Self.entityFields, context: "entity '\(name)'")
        var body = EntitySyntax.Body(identity: [])
        if let id = fields["id"] {
            body.identity = readParameters(id, owner: "'id' of entity '\(name)'", example: "'{ user_id: UUID }'")
        }
        if let keys = fields["keys"] {
            let entries = expectMapping(keys, what: "'keys' of entity '\(name)'").map { mapping in
                mapping.map { readKey(name: $0.key, value: $0.value) }
            }
            body.keys = SchemaSyntax.Field(node: keys, content: entries)
        }
        if let related = fields["related"] {
            var items: [Node]?
            switch related {
            case .sequence(let sequence): items = Array(sequence)
            case .scalar: items = [related]
            default:
                diagnostics.report(.wrongShape, "'related' must be a list of glob patterns such as [\"user:{user_id}:*\"]; found \(related.shapeDescription)", at: related.location)
            }
            body.related = SchemaSyntax.Field(node: related, content: items)
        }
        return EntitySyntax(name: nameNode, body: body)
    }

    private mutating func readKey(name nameNode: Node, value: Node) -> KeySyntax {
        guard let name = SchemaNameRule.acceptedName(nameNode, kind: .key),
            let mapping = expectMapping(value, what: "key '\(name)'")
        else { return KeySyntax(name: nameNode, body: nil) }
        let owner = "key '\(name)'"
        let fields = readFields(mapping, allowed: Self.keyFields, context: owner)
        var parameters: [ParameterSyntax] = []
        if let params = fields["params"] {
            parameters = readParameters(params, owner: "'params' of key '\(name)'", example: "'{ page: Int }'")
        }
        return KeySyntax(
            name: nameNode,
            body: KeySyntax.Body(
                pattern: fields["pattern"], parameters: parameters, ttl: fields["ttl"], value: fields["value"], freshness: FreshnessSyntax(fields: fields),
                nearCache: readNearCache(fields, owner: owner)))
    }

    /// Reads the parameters of an `id` or `params` field: a mapping, or null for none.
    private mutating func readParameters(_ node: Node, owner: String, example: String) -> [ParameterSyntax] {
        guard case .mapping(let mapping) = node else {
            if !node.isNull {
                diagnostics.report(.wrongShape, "\(owner) must map parameter names to types, e.g. \(example); found \(node.shapeDescription)", at: node.location)
            }
            return []
        }
        return mapping.map { nameNode, value in
            guard let name = SchemaNameRule.acceptedName(nameNode, kind: .parameter) else {
                return ParameterSyntax(name: nameNode, body: nil)
            }
            guard case .mapping(let detail) = value else {
                return ParameterSyntax(name: nameNode, body: ParameterSyntax.Body(value: value, type: value))
            }
            let fields = readFields(detail, allowed: Self.parameterFields, context: "parameter '\(name)'")
            return ParameterSyntax(name: nameNode, body: ParameterSyntax.Body(value: value, type: fields["type"], defaultValue: fields["default"]))
        }
    }

    // MARK: - Node helpers

    /// Reads a mapping's known fields, reporting unknown ones with a suggestion. Duplicates are reported by the YAML
    /// layer.
    private mutating func readFields(_ mapping: Node.Mapping, allowed: [String], context: String) -> [String: Node] {
        var fields: [String: Node] = [:]
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.schemaText else {
                diagnostics.report(.wrongShape, "field names of \(context) must be plain strings; found \(keyNode.shapeDescription)", at: keyNode.location)
                continue
            }
            guard allowed.contains(name) else {
                // Past the number of diagnostics shown, suggestions would be computed for nothing.
                let suggestion = diagnostics.isFull ? "" : Suggestions.didYouMean(name, among: allowed)
                diagnostics.report(.unknownField, "unknown field '\(name)' in \(context)" + suggestion + "; allowed fields: \(allowed.joined(separator: ", "))", at: keyNode.location)
                continue
            }
            fields[name] = valueNode
        }
        return fields
    }

    private mutating func expectMapping(_ node: Node, what: String) -> Node.Mapping? {
        if case .mapping(let mapping) = node { return mapping }
        diagnostics.report(.wrongShape, "\(what) must be a mapping; found \(node.shapeDescription)", at: node.location)
        return nil
    }
}
