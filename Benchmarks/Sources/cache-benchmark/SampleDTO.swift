import CacheRuntime
import Foundation

/// A DTO of seven fields, about 300 bytes as JSON: what the hit and codec tables store.
struct SampleDTO: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
    var email: String
    var createdAt: Date
    var tags: [String]
    var score: Int
    var bio: String

    static func make() -> SampleDTO {
        SampleDTO(
            id: UUID(), name: "Ada Lovelace", email: "ada.lovelace@example.com",
            createdAt: Date(timeIntervalSince1970: 1_700_000_000), tags: ["analyst", "engine", "notes", "poetry"], score: 1815,
            bio: "Wrote the first published algorithm intended for a machine; saw beyond mere calculation to symbols and music.")
    }
}

/// Binary property lists through Foundation: the compact format Foundation offers, as a candidate against JSON.
/// Like `JSONCacheCodec`, it makes an encoder or decoder per call.
struct PropertyListCacheCodec: CacheCodec {
    let identifier = "bplist"

    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        return Array(try encoder.encode(value))
    }

    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try PropertyListDecoder().decode(type, from: Data(bytes))
    }
}
