import CacheRuntime
import CacheSchemaCore
import CacheSchemaGenerator

/// Says what each key found under a schema's namespace is: which schema key produces it, which of the runtime's own
/// keys it is, or that nothing declared produces it. Pure: no I/O, so `inspect` feeds it keys from `SCAN`.
///
/// Matching is exact, by the rules generated code writes keys with (`CacheKeyLayout` and `CacheKeyEncoding`, key
/// layout version 2): literals byte for byte, the hash tag where the layout puts it (`{%}` for an empty value, never
/// `{}`), and each placeholder only what the encoder of its type produces — a canonical lower-case UUID, an `Int`
/// without leading zeros or `+`, `true`/`false`, a string's kept bytes and upper-case `%XX` escapes of the others. So a
/// key formatted by hand (`shop:user:42` without braces, an upper-case UUID, a raw `:` in a value) is
/// ``InspectedKeyKind/unmatched``: a schema key written two ways shows up.
///
/// Keys are bytes, as `SCAN` returns them; bytes that are not key text (invalid UTF-8, spaces, glob characters) never
/// match. Classifying a key allocates nothing unless a string value holds escaped non-ASCII text (checked for NFC).
public struct KeyClassifier: Sendable {
    /// The namespace, or `nil`.
    private let namespace: String?
    /// The bytes every key under the namespace starts with: the namespace and `:`; `nil` without a namespace.
    private let namespacePrefix: [UInt8]?
    /// The schema's keys, by name.
    private let keys: Candidates
    /// Without a namespace, the first segments of the schema's keys, which name pattern markers
    /// (`<first segment>:~pgen:{<slot tag>}`); empty with one.
    private let firstSegments: Candidates
    /// Each entity's name and the hash tag of its instances, for its index sets and generation markers.
    private let entities: [(name: String, bytes: [UInt8], tag: KeyText)]

    /// A classifier of the keys of `schema`.
    public init(_ schema: InspectedSchema) {
        namespace = schema.namespace
        namespacePrefix = schema.namespace.map { Array($0.utf8) + [UInt8(ascii: ":")] }
        var keyTexts: [(name: String, text: KeyText)] = []
        var entityTags: [(name: String, bytes: [UInt8], tag: KeyText)] = []
        for entity in schema.schema.entities {
            let identityTypes = entity.identity.map { ($0.name, $0.type) }
            for key in entity.keys {
                let analysis = schema.analysis[key]
                // A key's arguments are the identity parameters it uses and its own.
                let arguments = analysis.arguments.map { ($0.name, $0.type) }
                let types = Dictionary(identityTypes + arguments, uniquingKeysWith: { _, own in own })
                keyTexts.append((key.name, KeyText(analysis.layout, types: types)))
            }
            let tag = KeyText(
                schema.analysis.instanceTag(of: entity), types: Dictionary(identityTypes, uniquingKeysWith: { first, _ in first }))
            entityTags.append((entity.name, Array(entity.name.utf8), tag))
        }
        keys = Candidates(keyTexts)
        entities = entityTags
        if schema.namespace == nil {
            var seen = Set<KeyText>()
            let segments = keyTexts.map(\.text.firstSegment).filter { seen.insert($0).inserted }
            firstSegments = Candidates(segments.map { (name: "", text: $0) })
        } else {
            firstSegments = Candidates([])
        }
    }

    /// The `SCAN … MATCH` glob that walks the namespace: `<namespace>:*` with any glob character of the namespace
    /// escaped (a valid namespace has none), or `*` without a namespace.
    public var scanPattern: String {
        guard let namespace else { return "*" }
        var escaped = ""
        for character in namespace {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + ":*"
    }

    /// What `key` is. A key outside the namespace (which a walk with ``scanPattern`` never finds) is
    /// ``InspectedKeyKind/unmatched``.
    public func classify(_ key: [UInt8]) -> InspectedKeyKind {
        key.withUnsafeBufferPointer { classify($0) }
    }

    /// What the key in `bytes` is, read in place (from a `ByteBuffer`'s readable bytes, say) without copying it.
    public func classify(bytes: UnsafeRawBufferPointer) -> InspectedKeyKind {
        classify(bytes.assumingMemoryBound(to: UInt8.self))
    }

    private func classify(_ key: UnsafeBufferPointer<UInt8>) -> InspectedKeyKind {
        var start = 0
        if let namespacePrefix {
            guard Self.hasPrefix(key, start, namespacePrefix) else { return .unmatched }
            start = namespacePrefix.count
        }
        let end = key.count
        if start < end, key[start] == Self.tilde { return runtimeKey(key, start..<end) }
        if namespacePrefix == nil, let colon = Self.firstIndex(of: UInt8(ascii: ":"), in: key, start..<end),
            colon + 1 < end, key[colon + 1] == Self.tilde
        {
            // Without a namespace, pattern markers are also named after a key's first segment.
            guard let marker = Self.after("~pgen:", in: key, colon + 1..<end), Self.isSlotTagged(key, marker),
                firstSegments.firstMatch(key, start..<colon) != nil
            else { return .unmatched }
            return .patternMarker
        }
        return keys.firstMatch(key, start..<end).map(InspectedKeyKind.schemaKey) ?? .unmatched
    }

    /// One of the runtime's `~` keys (`CacheRuntime`'s `CacheIndexKeys`), `key[range]` starting at the `~`.
    private func runtimeKey(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> InspectedKeyKind {
        if let rest = Self.after("~idx:", in: key, range) {
            return instanceEntity(key, rest).map { .index(entity: $0) } ?? .unmatched
        }
        if let rest = Self.after("~gen:", in: key, range) {
            return instanceEntity(key, rest).map { .generation(entity: $0) } ?? .unmatched
        }
        if let rest = Self.after("~kgen:", in: key, range) {
            guard Self.isKeyText(key, rest) else { return .unmatched }
            return .keyGeneration(key: keys.firstMatch(key, rest))
        }
        if let rest = Self.after("~lease:", in: key, range) {
            guard Self.isKeyText(key, rest) else { return .unmatched }
            return .lease(key: keys.firstMatch(key, rest))
        }
        if let rest = Self.after("~pgen:", in: key, range), Self.isSlotTagged(key, rest) {
            return .patternMarker
        }
        return .unmatched
    }

    /// The entity of `<entity>:{<hash tag>}` in `key[range]`, when it is declared and the tag is one its instances
    /// have.
    private func instanceEntity(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard let colon = Self.firstIndex(of: UInt8(ascii: ":"), in: key, range) else { return nil }
        let nameLength = colon - range.lowerBound
        for entity in entities where entity.bytes.count == nameLength && Self.hasPrefix(key, range.lowerBound, entity.bytes) {
            return entity.tag.matches(key, colon + 1..<range.upperBound) ? entity.name : nil
        }
        return nil
    }

    /// Whether `key[range]` is `{<slot tag>}`.
    private static func isSlotTagged(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.count >= 3 && key[range.lowerBound] == UInt8(ascii: "{") && key[range.upperBound - 1] == UInt8(ascii: "}")
            && CacheSlotTags.isTag(String(decoding: UnsafeBufferPointer(rebasing: key[range.lowerBound + 1..<range.upperBound - 1]), as: UTF8.self))
    }

    /// Whether `key[range]` could be the text of some key, of this schema or of an older one: not empty, and only
    /// bytes that pattern literals, encoded values and hash tags use. What follows `~kgen:` or `~lease:` is such a key;
    /// anything else there (spaces, `~`, bytes that are not ASCII) was not written by the runtime.
    private static func isKeyText(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for index in range {
            let byte = key[index]
            guard ValueKind.isKept(byte) || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
                || keyTextPunctuation.contains(byte)
            else { return false }
        }
        return true
    }

    /// `CachePattern.literalPunctuation` not among a string value's kept bytes.
    private static let keyTextPunctuation: Set<UInt8> = Set(CachePattern.literalPunctuation.compactMap(\.asciiValue))

    private static let tilde = UInt8(ascii: "~")

    /// The range after `prefix`, when `key[range]` starts with it.
    private static func after(_ prefix: StaticString, in key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        let count = prefix.utf8CodeUnitCount
        guard range.count >= count else { return nil }
        let bytes = prefix.utf8Start
        for offset in 0..<count where key[range.lowerBound + offset] != bytes[offset] { return nil }
        return range.lowerBound + count..<range.upperBound
    }

    private static func hasPrefix(_ key: UnsafeBufferPointer<UInt8>, _ start: Int, _ prefix: [UInt8]) -> Bool {
        guard key.count - start >= prefix.count else { return false }
        for offset in 0..<prefix.count where key[start + offset] != prefix[offset] { return false }
        return true
    }

    private static func firstIndex(of byte: UInt8, in key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            if key[index] == byte { return index }
            index += 1
        }
        return nil
    }
}
