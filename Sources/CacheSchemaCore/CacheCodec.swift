import Foundation

/// Turns cached values into bytes and back. JSON is the default; `MessagePackCacheCodec` (module `CacheSchemaMessagePack`) is smaller and faster;
/// any `Codable` format can be plugged in.
public protocol CacheCodec: Sendable {
    /// A short stable name stored in every envelope (`"json"`), so that a change of codec reads as a miss rather
    /// than as garbage.
    var identifier: String { get }
    /// Encodes a value.
    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8]
    /// Decodes a value.
    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value
}

/// JSON through Foundation.
///
/// Dates are stored as their `timeIntervalSinceReferenceDate` (a JSON number with every digit of the `Double`), so a
/// cached `Date` reads back equal to the one stored. ISO 8601 strings would be easier to read in `redis-cli`, but
/// Foundation's `.iso8601` strategy drops the fraction of a second: a value read from the cache would differ from
/// the source's, which is the silent wrong value the cache must never return.
public struct JSONCacheCodec: CacheCodec {
    public let identifier = "json"
    // One encoder and decoder for every call (both are thread-safe): creating them per call was a measurable part of
    // a cache hit.
    private let encoder: JSONEncoder
    private let decoder: JSONDecoder

    public init() {
        encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .deferredToDate
        decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
    }

    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try decoder.decode(type, from: Data(bytes))
    }
}
