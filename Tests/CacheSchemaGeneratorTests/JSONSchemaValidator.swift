import Foundation

/// A small JSON Schema validator supporting exactly the keywords `schemas/cache-schema.json` uses: `type`,
/// `properties`, `additionalProperties`, `required`, `propertyNames`, `minProperties`, `enum`, `const`, `pattern`,
/// `maxLength`, `exclusiveMinimum`, `maximum`, `anyOf`, `oneOf`, `items`, and `$ref` to `#/$defs/…`. Annotations (`description`, `title`,
/// `$schema`) are ignored; any other keyword is reported, so that the schema cannot grow beyond what is tested.
struct JSONSchemaValidator {
    let root: JSONValue

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$defs", "examples"]
    static let supported: Set<String> = [
        "type", "properties", "additionalProperties", "required", "propertyNames", "minProperties", "enum", "const",
        "pattern", "maxLength", "exclusiveMinimum", "maximum", "anyOf", "oneOf", "items", "$ref",
    ]

    /// One reason a value does not conform: where (a JSON pointer) and why.
    struct Failure: Equatable, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path.isEmpty ? "/" : path): \(reason)" }
    }

    /// Every failure of `value` against the root schema; empty when it conforms.
    func validate(_ value: JSONValue) -> [Failure] {
        var failures: [Failure] = []
        validate(value, against: root, path: "", into: &failures)
        return failures
    }

    /// Keywords of the schema (and its sub-schemas) this validator does not know.
    func unsupportedKeywords() -> [String] {
        var found: Set<String> = []
        func visit(_ schema: JSONValue, path: String) {
            guard case .object(let members) = schema else { return }
            for (keyword, value) in members {
                if !Self.supported.contains(keyword) && !Self.annotations.contains(keyword) { found.insert("\(path)/\(keyword)") }
                switch keyword {
                case "properties", "$defs":
                    for (name, sub) in value.objectMembers { visit(sub, path: "\(path)/\(keyword)/\(name)") }
                case "additionalProperties", "propertyNames", "items":
                    visit(value, path: "\(path)/\(keyword)")
                case "anyOf", "oneOf":
                    for (index, sub) in value.arrayElements.enumerated() { visit(sub, path: "\(path)/\(keyword)/\(index)") }
                default:
                    break
                }
            }
        }
        visit(root, path: "")
        return found.sorted()
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/$defs/") else { return nil }
        return root["$defs"]?[String(reference.dropFirst("#/$defs/".count))]
    }

    private func validate(_ value: JSONValue, against schema: JSONValue, path: String, into failures: inout [Failure]) {
        func fail(_ reason: String) { failures.append(Failure(path: path, reason: reason)) }
        guard case .object(let keywords) = schema else {
            if schema == .bool(false) { fail("no value is allowed here") }
            return
        }
        if case .string(let reference)? = keywords["$ref"] {
            if let target = resolve(reference) {
                validate(value, against: target, path: path, into: &failures)
            } else {
                fail("unresolvable $ref \(reference)")
            }
        }
        if let type = keywords["type"] {
            let allowed = type.arrayElements.isEmpty ? [type] : type.arrayElements
            let matches = allowed.contains { expected in
                guard case .string(let name) = expected else { return false }
                return name == value.typeName || (name == "number" && value.typeName == "integer")
            }
            if !matches { fail("expected \(allowed.map(\.description).joined(separator: " or ")), found \(value.typeName)") }
        }
        if let constant = keywords["const"], constant != value {
            fail("expected \(constant), found \(value)")
        }
        if let options = keywords["enum"], !options.arrayElements.contains(value) {
            fail("expected one of \(options), found \(value)")
        }
        if case .string(let text) = value {
            if case .string(let pattern)? = keywords["pattern"] {
                if !Self.matches(text, pattern: pattern) { fail("\"\(text)\" does not match \(pattern)") }
            }
            if case .integer(let limit)? = keywords["maxLength"], text.unicodeScalars.count > limit {
                fail("longer than \(limit) characters")
            }
        }
        if let number = value.numericValue {
            if let limit = keywords["exclusiveMinimum"]?.numericValue, number <= limit { fail("\(value) is not greater than \(limit)") }
            if let limit = keywords["maximum"]?.numericValue, number > limit { fail("\(value) is greater than \(limit)") }
        }
        if case .object(let members) = value {
            let properties = keywords["properties"]?.objectMembers ?? [:]
            for name in keywords["required"]?.arrayElements ?? [] {
                if case .string(let name) = name, members[name] == nil { fail("missing required property '\(name)'") }
            }
            if case .integer(let minimum)? = keywords["minProperties"], members.count < minimum {
                fail("has \(members.count) properties, at least \(minimum) needed")
            }
            for name in members.keys.sorted() {
                let member = members[name]!
                let memberPath = path + "/" + name
                if let names = keywords["propertyNames"] {
                    var nameFailures: [Failure] = []
                    validate(.string(name), against: names, path: memberPath, into: &nameFailures)
                    failures += nameFailures.map { Failure(path: $0.path, reason: "property name: " + $0.reason) }
                }
                if let property = properties[name] {
                    validate(member, against: property, path: memberPath, into: &failures)
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) {
                        failures.append(Failure(path: memberPath, reason: "unknown property '\(name)'"))
                    } else {
                        validate(member, against: additional, path: memberPath, into: &failures)
                    }
                }
            }
        }
        if case .array(let elements) = value, let items = keywords["items"] {
            for (index, element) in elements.enumerated() {
                validate(element, against: items, path: "\(path)/\(index)", into: &failures)
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            guard let options = keywords[keyword]?.arrayElements, !options.isEmpty else { continue }
            let optionFailures = options.map { option in
                var found: [Failure] = []
                validate(value, against: option, path: path, into: &found)
                return found
            }
            let conforming = optionFailures.filter(\.isEmpty).count
            // As editors do, a value that has the shape of exactly one alternative gets that alternative's failures
            // ("5x" does not match a duration's pattern), not only a count.
            let sameShape = optionFailures.filter { found in !found.contains { $0.path == path && $0.reason.hasPrefix("expected ") } }
            if conforming == 0 && sameShape.count == 1 {
                failures += sameShape[0]
            } else if conforming == 0 || (keyword == "oneOf" && conforming > 1) {
                fail("\(keyword): \(conforming) of \(options.count) alternatives match")
            }
        }
    }

    /// ECMA-262-style `pattern`: a match anywhere in the string (anchors are written in the pattern).
    static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, range: range) != nil
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue] {
        if case .object(let members) = self { members } else { [:] }
    }

    var arrayElements: [JSONValue] {
        if case .array(let elements) = self { elements } else { [] }
    }
}
