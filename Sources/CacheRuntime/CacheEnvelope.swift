/// The few bytes in front of every cached value: a marker, the envelope format version, the codec, and a
/// fingerprint of the key's value type. A value whose envelope does not match what the reader expects — written by
/// an older deploy with another type, another codec, or not by CacheSchema at all — is a miss, never a wrong value.
///
/// Layout, version 1: `"CS"`, format version (1 byte), codec identifier length (1 byte) and bytes, fingerprint (8 bytes,
/// big-endian), then the payload. Version 2, written only for keys with early refresh (``CacheFreshness``), adds
/// after the fingerprint how long the value's load took, in milliseconds (4 bytes, big-endian; 0 when it was written
/// rather than loaded): XFetch's δ. Readers accept both; code from before version 2 reads a version 2 value as a miss
/// (and overwrites it with version 1).
import CacheSchemaCore
import NIOCore

enum CacheEnvelope {
    static let marker: [UInt8] = [0x43, 0x53]  // "CS"
    static let version: UInt8 = 1
    /// The version that carries the load's duration.
    static let timedVersion: UInt8 = 2

    /// Wraps a payload; with `loadMilliseconds`, in version 2.
    static func wrap(_ payload: [UInt8], codec: String, fingerprint: UInt64, loadMilliseconds: UInt32? = nil) -> [UInt8] {
        let codecBytes = Array(codec.utf8.prefix(255))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 16 + codecBytes.count)
        bytes += marker
        bytes.append(loadMilliseconds == nil ? version : timedVersion)
        bytes.append(UInt8(codecBytes.count))
        bytes += codecBytes
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: fingerprint >> UInt64(shift))) }
        if let loadMilliseconds {
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: loadMilliseconds >> UInt32(shift))) }
        }
        bytes += payload
        return bytes
    }

    /// A payload, and how long its load took (version 2; `nil` for version 1).
    struct Unwrapped: Equatable {
        let payload: [UInt8]
        let loadMilliseconds: UInt32?
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

    /// Where the parts of an envelope lie in stored bytes.
    struct Layout {
        let version: UInt8
        let codec: Range<Int>
        let fingerprint: UInt64
        let loadMilliseconds: UInt32?
        /// Where the payload starts.
        let headerLength: Int
    }

    /// Reads the header of stored bytes: the one statement of the layout's rules for readers.
    static func layout(of bytes: UnsafeRawBufferPointer) -> Result<Layout, Mismatch> {
        guard bytes.count >= 4, bytes[0] == marker[0], bytes[1] == marker[1] else { return .failure(.notAnEnvelope) }
        guard bytes[2] == version || bytes[2] == timedVersion else { return .failure(.version(bytes[2])) }
        let codecLength = Int(bytes[3])
        let header = 12 + codecLength + (bytes[2] == timedVersion ? 4 : 0)
        guard bytes.count >= header else { return .failure(.notAnEnvelope) }
        var fingerprint: UInt64 = 0
        for byte in bytes[(4 + codecLength)..<(12 + codecLength)] { fingerprint = fingerprint << 8 | UInt64(byte) }
        var loadMilliseconds: UInt32?
        if bytes[2] == timedVersion {
            loadMilliseconds = bytes[(12 + codecLength)..<header].reduce(0) { $0 << 8 | UInt32($1) }
        }
        return .success(
            Layout(version: bytes[2], codec: 4..<(4 + codecLength), fingerprint: fingerprint, loadMilliseconds: loadMilliseconds, headerLength: header))
    }

    /// The payload, when the envelope matches, read straight from the reply's buffer (one copy, of the payload only).
    /// `codec` is the identifier's UTF-8 bytes.
    static func unwrap(_ buffer: ByteBuffer, codec: [UInt8], fingerprint: UInt64) -> Result<Unwrapped, Mismatch> {
        buffer.withUnsafeReadableBytes { bytes in
            let layout: Layout
            switch Self.layout(of: bytes) {
            case .success(let found): layout = found
            case .failure(let mismatch): return .failure(mismatch)
            }
            let storedCodec = UnsafeRawBufferPointer(rebasing: bytes[layout.codec])
            guard storedCodec.elementsEqual(codec) else {
                return .failure(.codec(String(decoding: storedCodec, as: UTF8.self)))
            }
            guard layout.fingerprint == fingerprint else { return .failure(.fingerprint) }
            return .success(
                Unwrapped(payload: Array(UnsafeRawBufferPointer(rebasing: bytes[layout.headerLength...])), loadMilliseconds: layout.loadMilliseconds))
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
