import CacheSchemaCore
import Yams

/// Parameters: names, types and defaults.
extension SchemaValidator {
    /// Checks parameter declarations; the names of those refused with an error go into `rejected`.
    mutating func readParameters(_ syntax: [ParameterSyntax], owner: String, allowDefaults: Bool, rejected: inout Set<String>) -> [Parameter] {
        var result: [Parameter] = []
        for parameter in syntax {
            guard let name = readName(parameter.name, kind: .parameter), let body = parameter.body else {
                if let written = parameter.name.schemaText { rejected.insert(written) }
                continue
            }
            guard let typeNode = body.type else {
                diagnostics.report(.missingField, "parameter '\(name)' has no 'type'; write e.g. '{ type: Int, default: 1 }'", at: body.value.location)
                rejected.insert(name)
                continue
            }
            guard let type = readParameterType(typeNode, parameter: name) else {
                rejected.insert(name)
                continue
            }
            var defaultValue: DefaultValue?
            if let defaultNode = body.defaultValue {
                if !allowDefaults {
                    diagnostics.report(.defaultOnIDParameter, "id parameter '\(name)' of \(owner) cannot have a default; an entity's identity is always given", at: defaultNode.location)
                } else {
                    defaultValue = readDefault(defaultNode, type: type, parameter: name)
                }
            }
            result.append(Parameter(name: name, swiftName: SwiftNaming.lowerCamelCase(name), type: type, defaultValue: defaultValue, location: parameter.name.location))
        }
        return result
    }

    private mutating func readParameterType(_ node: Node, parameter: String) -> CacheParameterType? {
        func refuse(_ message: String) -> CacheParameterType? {
            diagnostics.report(.invalidParameterType, message, at: node.location)
            return nil
        }
        guard let text = node.schemaText, !text.isEmpty else {
            return refuse("type of parameter '\(parameter)' must be String, Int, UUID, Bool or a LosslessStringConvertible type name; found \(node.shapeDescription)")
        }
        switch text {
        case "String": return .string
        case "Int": return .int
        case "UUID": return .uuid
        case "Bool": return .bool
        case "Double", "Float", "Float16", "Float32", "Float64", "Float80", "CGFloat", "Decimal":
            return refuse("parameter '\(parameter)' has floating-point type \(text); floating-point values make unstable keys (0.1 + 0.2), use Int (e.g. cents) or String")
        case "Date", "Data", "URL":
            return refuse("parameter '\(parameter)' has type \(text), which is not LosslessStringConvertible; pass a stable text form as String, or a UUID/Int")
        default:
            if let builtin = Self.builtinTypes.first(where: { $0.lowercased() == text.lowercased() }) {
                return refuse("unknown parameter type '\(text)'; did you mean '\(builtin)'? Types are case-sensitive")
            }
            if text.hasSuffix("?") {
                return refuse("parameter '\(parameter)' has optional type \(text); key parameters cannot be optional, give a default instead")
            }
            guard SwiftNaming.isValidTypeName(text) else {
                return refuse("type of parameter '\(parameter)' must be String, Int, UUID, Bool or a LosslessStringConvertible type name such as Tenant.ID; found '\(text)'")
            }
            if let builtin = Suggestions.closest(to: text, among: Self.builtinTypes), text.count <= builtin.count + 1 {
                return refuse("unknown parameter type '\(text)'; did you mean '\(builtin)'?")
            }
            return .custom(text)
        }
    }

    private mutating func readDefault(_ node: Node, type: CacheParameterType, parameter: String) -> DefaultValue? {
        guard let text = node.schemaText else {
            diagnostics.report(.invalidDefault, "default of parameter '\(parameter)' must be a single \(type) value; found \(node.shapeDescription)", at: node.location)
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
            diagnostics.report(.invalidDefault, "default of parameter '\(parameter)' cannot be given for type \(name); defaults are supported for String, Int, UUID and Bool", at: node.location)
            return nil
        }
        diagnostics.report(.invalidDefault, "default '\(text)' of parameter '\(parameter)' is not a valid \(type)", at: node.location)
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
}
