import Foundation

/// Turns cached values into bytes and back. JSON is the default; ``MessagePackCacheCodec`` is smaller and faster;
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

/// JSON through Foundation, with ISO 8601 dates (whole seconds: a date's fraction of a second is not stored).
public struct JSONCacheCodec: CacheCodec {
    public let identifier = "json"

    public init() {}

    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(value))
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(bytes))
    }
}
