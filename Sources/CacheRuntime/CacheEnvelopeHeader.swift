/// The header of a value the runtime stored (``CacheEnvelope``'s layout), for tools that look at a live Redis without
/// the value's Swift type: `cache-schema inspect` groups values by codec and type fingerprint with it.
public struct CacheEnvelopeHeader: Sendable, Hashable {
    /// The envelope format version (1, or 2 with the load's duration).
    public let version: UInt8
    /// The codec's identifier (`"json"`, `"msgpack"`, or a custom codec's).
    public let codec: String
    /// The fingerprint of the key's schema name and Swift value type: two fingerprints under one key name are two
    /// builds' value types side by side.
    public let fingerprint: UInt64
    /// How long the value's load took (version 2), in milliseconds.
    public let loadMilliseconds: UInt32?
    /// How many bytes precede the payload.
    public let length: Int

    /// The header of `bytes` (the stored value, or its first bytes); `nil` when they are not an envelope of a version
    /// this build reads.
    public init?(_ bytes: [UInt8]) {
        let parsed = bytes.withUnsafeBytes { raw -> (CacheEnvelope.Layout, String)? in
            guard case .success(let layout) = CacheEnvelope.layout(of: raw) else { return nil }
            return (layout, String(decoding: UnsafeRawBufferPointer(rebasing: raw[layout.codec]), as: UTF8.self))
        }
        guard let (layout, codec) = parsed else { return nil }
        version = layout.version
        self.codec = codec
        fingerprint = layout.fingerprint
        loadMilliseconds = layout.loadMilliseconds
        length = layout.headerLength
    }
}
