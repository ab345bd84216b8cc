import CacheSchemaCore

/// The text a key's concrete keys have, as `SchemaDiff` compares two versions of a key: literal runs (namespace and
/// hash-tag braces included) and the values between them, each with how it is encoded. Two shapes that compare
/// ``Relation/same`` give the same key text for the same arguments, whatever their patterns say (`config:flags` and
/// `flags` in a singleton entity `config` both give `{config}:flags`).
struct KeyShape: Hashable {
    /// A run of literal text, or one encoded value.
    enum Token: Hashable {
        case literal(String)
        case value(name: String, type: CacheParameterType)
    }

    /// How a parameter's values become key text. `String` and custom types share one encoding (`CacheKeyEncoding`
    /// percent-encodes a custom type's description like a `String`), so moving between them changes no key.
    enum Encoding: Hashable {
        case text, int, uuid, bool

        init(_ type: CacheParameterType) {
            switch type {
            case .string, .custom: self = .text
            case .int: self = .int
            case .uuid: self = .uuid
            case .bool: self = .bool
            }
        }
    }

    /// A parameter whose type changed between two versions of a key.
    struct TypeChange: Hashable {
        var name: String
        var old: CacheParameterType
        var new: CacheParameterType
    }

    /// How two shapes compare.
    enum Relation: Hashable {
        /// The same text for the same arguments.
        case same
        /// The same but for these parameters' types, which can give another text for one value.
        case typesDiffer([TypeChange])
        /// Another text.
        case different
    }

    let tokens: [Token]

    /// The shape of `layout` (a key's), its placeholders typed by `types`, prefixed by `namespace` and a `:` when
    /// given, with the hash tag's braces unless `braces` is false.
    init(_ layout: CacheKeyLayout, types: [String: CacheParameterType], namespace: String?, braces: Bool = true) {
        var tokens: [Token] = []
        func literal(_ text: String) {
            guard !text.isEmpty else { return }
            if case .literal(let previous)? = tokens.last {
                tokens[tokens.count - 1] = .literal(previous + text)
            } else {
                tokens.append(.literal(text))
            }
        }
        if let namespace { literal(namespace + ":") }
        let segments = braces ? layout.segments : layout.head + layout.tag + layout.tail
        for segment in segments {
            switch segment {
            case .literal(let text): literal(text)
            case .placeholder(let name, _): tokens.append(.value(name: name, type: types[name] ?? .string))
            case .anyRun: literal("*")
            case .anyCharacter: literal("?")
            }
        }
        self.tokens = tokens
    }

    /// The placeholders' names, in order.
    var parameterNames: [String] {
        tokens.compactMap { token in
            if case .value(let name, _) = token { name } else { nil }
        }
    }

    /// How `new` compares with `old`. A value matches a value in the same place when both have the same name, or when
    /// the old name is gone from the new key and the new name is new to it (a renamed parameter, which call sites pass
    /// the same value under); a parameter that swapped places with another keeps its name and so does not match.
    static func relation(old: KeyShape, new: KeyShape) -> Relation {
        guard old.tokens.count == new.tokens.count else { return .different }
        let oldNames = Set(old.parameterNames), newNames = Set(new.parameterNames)
        var typeChanges: [TypeChange] = []
        for (a, b) in zip(old.tokens, new.tokens) {
            switch (a, b) {
            case (.literal(let x), .literal(let y)):
                guard x == y else { return .different }
            case (.value(let oldName, let oldType), .value(let newName, let newType)):
                guard oldName == newName || (!newNames.contains(oldName) && !oldNames.contains(newName)) else { return .different }
                if Encoding(oldType) != Encoding(newType) { typeChanges.append(TypeChange(name: newName, old: oldType, new: newType)) }
            default:
                return .different
            }
        }
        return typeChanges.isEmpty ? .same : .typesDiffer(typeChanges)
    }

    /// The new name of each old parameter, matched by place as ``relation(old:new:)`` matches them.
    static func renaming(old: KeyShape, new: KeyShape) -> [String: String] {
        Dictionary(zip(old.parameterNames, new.parameterNames).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    }
}
