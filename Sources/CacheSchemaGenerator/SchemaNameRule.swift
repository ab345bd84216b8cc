import Yams

/// The rule every schema name (entity, key, parameter, TTL class) follows: a plain scalar, made of ASCII letters,
/// digits and single `_`, starting with a lower-case letter, not a Swift keyword once converted, and, for a key, not a
/// name generated code uses itself.
///
/// The validate stage reports a violation; the load stage only asks whether there is one, and does not look inside
/// an entry whose name is refused, so that a misnamed entry gives one error, not one per field.
enum SchemaNameRule {
    /// What a name is: the word messages use for it.
    enum Kind: String {
        case entity
        case key
        case parameter
        case ttlClass = "TTL class"
    }

    /// Why a name is refused.
    enum Violation: Error, Equatable {
        /// Not a plain scalar.
        case notPlain
        /// Characters or a first letter the rule does not allow.
        case malformed(String)
        /// A Swift keyword, as written or once converted.
        case keyword(String)
        /// A key name generated code uses itself.
        case reserved(String)
    }

    /// Member names generated code uses itself, which keys cannot take.
    static let reservedKeyNames: Set<String> = ["schema", "descriptors"]

    /// The name of `node` when the rule accepts it.
    static func acceptedName(_ node: Node, kind: Kind) -> String? {
        guard case .success(let name) = check(node, kind: kind) else { return nil }
        return name
    }

    /// The name, or why it is refused.
    static func check(_ node: Node, kind: Kind) -> Result<String, Violation> {
        guard let name = node.schemaText else { return .failure(.notPlain) }
        guard SwiftNaming.isValidSchemaName(name) else { return .failure(.malformed(name)) }
        let swiftName = SwiftNaming.lowerCamelCase(name)
        if SwiftNaming.keywords.contains(name) || SwiftNaming.keywords.contains(swiftName) {
            return .failure(.keyword(name))
        }
        if kind == .key && reservedKeyNames.contains(swiftName) {
            return .failure(.reserved(name))
        }
        return .success(name)
    }

}
