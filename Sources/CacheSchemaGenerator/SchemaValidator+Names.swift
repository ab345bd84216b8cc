import Yams

/// Names: each against ``SchemaNameRule``, and all of them against each other once they become Swift identifiers.
extension SchemaValidator {
    /// The name of an entity, key, parameter or TTL class, or `nil` after reporting why it is refused.
    mutating func readName(_ node: Node, kind: SchemaNameRule.Kind) -> String? {
        let what = kind.rawValue
        switch SchemaNameRule.check(node, kind: kind) {
        case .success(let name):
            return name
        case .failure(.notPlain):
            diagnostics.report(.invalidName, "\(what) name must be a plain name; found \(node.shapeDescription)", at: node.location)
        case .failure(.malformed(let name)):
            diagnostics.report(.invalidName, "\(what) name '\(name)' must start with a lower-case letter and contain only ASCII letters, digits and single underscores (e.g. user_id or userByEmail)", at: node.location)
        case .failure(.keyword(let name)):
            diagnostics.report(.swiftKeyword, "\(what) name '\(name)' is a Swift keyword; choose another name (names are never silently renamed)", at: node.location)
        case .failure(.reserved(let name)):
            let swiftName = SwiftNaming.lowerCamelCase(name)
            diagnostics.report(.reservedName, "key name '\(name)' is reserved by generated code (CacheKeys.\(swiftName)); choose another name", at: node.location)
        }
        return nil
    }

    /// Two names that become one Swift identifier in the same scope are an error at the second.
    mutating func checkNameClashes(ttlClasses: [TTLClass], entities: [Entity]) {
        func check(_ items: [(name: String, swift: String, location: SourceLocation)], what: String, namespace: String) {
            var seen: [String: (name: String, location: SourceLocation)] = [:]
            for item in items {
                if let previous = seen[item.swift] {
                    diagnostics.report(.nameClash, "\(what) '\(item.name)' becomes Swift name '\(item.swift)' in \(namespace), which \(what) '\(previous.name)' (line \(previous.location.line)) already uses; rename one of them", at: item.location)
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
}
