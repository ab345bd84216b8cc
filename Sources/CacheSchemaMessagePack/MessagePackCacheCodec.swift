import CacheSchemaCore

/// MessagePack through `Codable`: smaller and faster than `JSONCacheCodec`, and just as self-describing.
///
/// Every keyed container is a map whose keys are the coding keys' names, so a value is never read by position: a
/// field the type now requires and the stored value lacks (added or renamed), or whose type changed (a string that
/// became an integer, a `Double` that became an `Int`, a `UUID` that became `Data`), fails to decode and the cache
/// treats the value as a miss. As with JSON, a stored field the type no longer has is ignored, and an added optional
/// field decodes as `nil`. Numbers decode only into types that hold them exactly.
///
/// What is stored:
/// - keyed containers: maps with string keys, in the order `encode(to:)` encodes them (so the output is
///   deterministic); unkeyed containers: arrays; integers in their smallest encoding; `Double` as float64, `Float`
///   as float32.
/// - `Date`: the MessagePack timestamp extension (type -1) with nanoseconds. A date whose `Double` nanoseconds
///   cannot reproduce exactly is stored as extension type 2 with the `Double` itself, so every date reads back
///   bit for bit.
/// - `UUID`: extension type 1 with its 16 bytes (`fixext 16`), so that it is neither a string nor `Data`.
/// - `Data`: `bin`. `URL`: its absolute string. Anything else (`Decimal` included): its `Codable` form.
///
/// Decoding is strict and bounded: malformed, truncated or hostile bytes throw a `DecodingError` (never trap), a
/// declared length is checked against the bytes present before anything is allocated, and nesting is limited to
/// `maxDepth` levels. A map that holds a key twice is rejected.
///
/// Changing a cache's codec changes the identifier in every envelope, so values written with the other codec read
/// as misses and are overwritten by the next fill.
public struct MessagePackCacheCodec: CacheCodec {
    /// `"msgpack"`, stored in every envelope: values written with another codec read as misses.
    public let identifier = "msgpack"

    /// The deepest nesting of values that encoding and decoding accept.
    public let maxDepth: Int

    /// Extension type of a `UUID`.
    static let uuidExtensionType: Int8 = 1

    /// Creates a MessagePack codec.
    ///
    /// - Parameter maxDepth: The deepest nesting of values (each struct, class, enum, array, dictionary or
    ///   optional counts one level) that encoding and decoding accept; deeper values throw. The default, 512, is far
    ///   beyond real cached values and keeps recursion well inside a thread's stack.
    public init(maxDepth: Int = 512) {
        self.maxDepth = max(1, maxDepth)
    }

    /// Encodes a value as MessagePack.
    ///
    /// - Throws: `EncodingError.invalidValue` when the value nests deeper than ``maxDepth`` (a cyclic object
    ///   graph, for instance), when `Data` or a container exceeds MessagePack's 2^32 - 1 limit, or when the
    ///   value's `encode(to:)` misuses its `Encoder`; any error the value's `encode(to:)` throws.
    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        try MessagePackEncoder(maxDepth: maxDepth).encode(value)
    }

    /// Decodes a value from MessagePack.
    ///
    /// - Throws: `DecodingError.typeMismatch`, `.keyNotFound` or `.valueNotFound` when the bytes hold a value of
    ///   another shape (the type changed since the value was stored); `DecodingError.dataCorrupted` when they are
    ///   not exactly one well-formed MessagePack value, when a number does not fit the type exactly, or when the
    ///   value nests deeper than ``maxDepth``.
    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try MessagePackDecoder(maxDepth: maxDepth).decode(type, from: bytes)
    }
}

extension MessagePackCacheCodec {
    /// Whether `bytes` are exactly one well-formed MessagePack value nesting at most ``maxDepth`` deep, whatever
    /// its type: what a tool without the value's Swift type (`cache-schema inspect`) can check of a stored payload.
    public func isWellFormed(_ bytes: [UInt8]) -> Bool {
        let context = MessagePackDecodingContext(copying: bytes, maxDepth: maxDepth)
        guard let (end, _) = try? context.reader.validate(maxDepth: maxDepth) else { return false }
        return end == bytes.count
    }
}
