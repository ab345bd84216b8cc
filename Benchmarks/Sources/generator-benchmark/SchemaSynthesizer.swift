/// Writes a large, valid schema: `entities` entities of five keys each, with every parameter type, defaults, TTL classes
/// and literal TTLs, composite identities, value types and related patterns: what a big service's schema looks like.
enum SchemaSynthesizer {
    static func schema(entities: Int) -> String {
        var yaml = """
            # Synthetic schema for the generator benchmark: \(entities) entities, \(entities * 5) keys.
            version: 1
            namespace: bench
            defaults: { ttl: 10m }

            ttl:

            """
        for index in 0..<10 {
            yaml += "  class\(index): \(index + 1)m\n"
        }
        yaml += "\nentities:\n"
        for index in 0..<entities {
            let name = "entity" + String(index).leftPadded(to: 3)
            let typeName = "Entity" + String(index).leftPadded(to: 3)
            // Identities cycle through the parameter types; every fourth entity has a two-part identity.
            let identity: [(name: String, type: String)]
            switch index % 4 {
            case 0: identity = [("item_id", "UUID")]
            case 1: identity = [("item_id", "Int")]
            case 2: identity = [("item_id", "String")]
            default: identity = [("tenant_id", "String"), ("item_id", "UUID")]
            }
            let idPattern = identity.map { "{\($0.name)}" }.joined(separator: ":")
            let idFields = identity.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
            let base = "\(name):\(idPattern)"
            yaml += """
                  # \(typeName): one of the synthetic entities, cached by id and in four derived forms.
                  \(name):
                    id: { \(idFields) }
                    keys:
                      # The \(name) itself.
                      \(name): { pattern: "\(base)", ttl: class\(index % 10), value: \(typeName)DTO }
                      \(name)Detail: { pattern: "\(base):detail", ttl: 90s }
                      \(name)Page: { pattern: "\(base):page:{page}", params: { page: { type: Int, default: 1 } }, ttl: class\((index + 3) % 10) }
                      \(name)Flag: { pattern: "\(base):flag:{enabled}", params: { enabled: Bool } }
                      \(name)Tag: { pattern: "\(base):tag:{tag}", params: { tag: String }, ttl: 2h }
                    related: ["\(base):*"]

                """
        }
        return yaml
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
