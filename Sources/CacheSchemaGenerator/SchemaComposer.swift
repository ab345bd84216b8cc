import Yams

/// Composes a schema's YAML text into a node tree, the way Yams's default resolver would, faster.
enum SchemaComposer {
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
}
