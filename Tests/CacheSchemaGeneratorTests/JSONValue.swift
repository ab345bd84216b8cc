import Foundation
import Yams

/// A JSON value, for the JSON Schema of the format and the YAML schemas checked against it.
indirect enum JSONValue: Equatable, Sendable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Reads a JSON file.
    static func read(_ url: URL) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    struct NotJSONCompatible: Error, CustomStringConvertible {
        var description: String
    }

    /// The value a YAML document stands for, with YAML's resolved scalar types (`1` an integer, `true` a Boolean,
    /// `~` null, `5m` a string), as an editor's YAML language server sees it.
    static func fromYAML(_ yaml: String) throws -> JSONValue {
        guard let node = try Yams.compose(yaml: yaml) else { return .null }
        return try fromYAML(node)
    }

    private static let yaml12Booleans = ["true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false]

    static func fromYAML(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case "tag:yaml.org,2002:null": return .null
            // YAML 1.2's booleans, as language servers read them: `off`, `yes` and `on` (booleans to YAML 1.1 and
            // to Yams) are strings there, and `early: off` must validate as the string it is to the generator.
            case "tag:yaml.org,2002:bool":
                return yaml12Booleans[scalar.string].map(JSONValue.bool) ?? .string(scalar.string)
            case "tag:yaml.org,2002:int": return node.int.map(JSONValue.integer) ?? .string(scalar.string)
            case "tag:yaml.org,2002:float": return node.float.map(JSONValue.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .array(try sequence.map(fromYAML))
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let name) = key else { throw NotJSONCompatible(description: "a mapping key that is not a scalar") }
                object[name.string] = try fromYAML(value)
            }
            return .object(object)
        case .alias:
            throw NotJSONCompatible(description: "an unresolved alias")
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.keys.sorted().map { "\"\($0)\": \(members[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    /// The value of a number or integer, for `exclusiveMinimum` and `maximum`.
    var numericValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The member names of an object, sorted.
    var memberNames: [String] {
        if case .object(let members) = self { members.keys.sorted() } else { [] }
    }
}
