/// The few bytes in front of every cached value: a marker, the envelope format version, the codec, and a
/// fingerprint of the key's value type. A value whose envelope does not match what the reader expects — written by
/// an older deploy with another type, another codec, or not by CacheSchema at all — is a miss, never a wrong value.
///
/// Layout: `"CS"`, format version (1 byte), codec identifier length (1 byte) and bytes, fingerprint (8 bytes,
/// big-endian), then the payload.
import CacheSchemaCore
import NIOCore

enum CacheEnvelope {
    static let marker: [UInt8] = [0x43, 0x53]  // "CS"
    static let version: UInt8 = 1

    static func wrap(_ payload: [UInt8], codec: String, fingerprint: UInt64) -> [UInt8] {
        let codecBytes = Array(codec.utf8.prefix(255))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 12 + codecBytes.count)
        bytes += marker
        bytes.append(version)
        bytes.append(UInt8(codecBytes.count))
        bytes += codecBytes
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: fingerprint >> UInt64(shift))) }
        bytes += payload
        return bytes
    }

    enum Mismatch: Error, Equatable, CustomStringConvertible {
        case notAnEnvelope
        case version(UInt8)
        case codec(String)
        case fingerprint

        var description: String {
            switch self {
            case .notAnEnvelope: "the stored bytes are not a CacheSchema envelope"
            case .version(let version): "the stored envelope has format version \(version)"
            case .codec(let codec): "the value was stored with codec '\(codec)'"
            case .fingerprint: "the value was stored for another value type (the schema or the type changed)"
            }
        }
    }

    /// The payload, when the envelope matches, read straight from the reply's buffer (one copy, of the payload only).
    /// `codec` is the identifier's UTF-8 bytes.
    static func unwrap(_ buffer: ByteBuffer, codec: [UInt8], fingerprint: UInt64) -> Result<[UInt8], Mismatch> {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 4, bytes[0] == marker[0], bytes[1] == marker[1] else { return .failure(.notAnEnvelope) }
            guard bytes[2] == version else { return .failure(.version(bytes[2])) }
            let codecLength = Int(bytes[3])
            guard bytes.count >= 12 + codecLength else { return .failure(.notAnEnvelope) }
            let storedCodec = UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + codecLength)])
            guard storedCodec.elementsEqual(codec) else {
                return .failure(.codec(String(decoding: storedCodec, as: UTF8.self)))
            }
            var stored: UInt64 = 0
            for byte in bytes[(4 + codecLength)..<(12 + codecLength)] { stored = stored << 8 | UInt64(byte) }
            guard stored == fingerprint else { return .failure(.fingerprint) }
            return .success(Array(UnsafeRawBufferPointer(rebasing: bytes[(12 + codecLength)...])))
        }
    }

    /// FNV-1a over the key's schema name and the Swift type it holds (``typeName(_:)``): the same in every process
    /// of one build, so that replicas and restarts read each other's values.
    static func fingerprint(keyName: String, valueType: Any.Type) -> UInt64 {
        FNV1a.hash64((keyName + "|" + typeName(valueType)).utf8)
    }

    /// The type's fully qualified name, `String(reflecting:)`, without the addresses in the
    /// `(unknown context at $…)` that Swift prints for private, fileprivate and local types: those are where the
    /// context descriptor was loaded, which moves with ASLR on every process start. Other types' names have no such
    /// part and stay byte for byte what envelopes written before this rule carry.
    static func typeName(_ type: Any.Type) -> String {
        let reflected = String(reflecting: type)
        guard reflected.contains("(unknown context at $") else { return reflected }
        return reflected.replacing(/\(unknown context at \$[0-9a-fA-F]+\)/, with: "(unknown context)")
    }
}
