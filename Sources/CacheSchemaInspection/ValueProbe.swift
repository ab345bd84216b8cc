import CacheRuntime
import CacheSchemaMessagePack
import Foundation

/// What a stored value is, read without its Swift type: a CacheSchema envelope (its codec and type fingerprint),
/// whether the codec can parse its payload, or something else.
public enum ValueFinding: Sendable, Hashable {
    /// Whether an envelope's payload parses with its codec.
    public enum Payload: Sendable, Hashable {
        case parses
        case doesNotParse
        /// Only the value's first bytes were read (a large value): the payload was not checked.
        case notRead
        /// A codec this tool does not know (a custom one): the payload was not checked.
        case unknownCodec
    }

    case envelope(CacheEnvelopeHeader, Payload)
    case notEnvelope

    /// Looks at `bytes`, the whole value (`isWhole`) or its first bytes.
    public static func probe(_ bytes: [UInt8], isWhole: Bool) -> ValueFinding {
        guard let header = CacheEnvelopeHeader(bytes) else { return .notEnvelope }
        guard isWhole else { return .envelope(header, .notRead) }
        let payload = Array(bytes[header.length...])
        switch header.codec {
        case JSONCacheCodec().identifier:
            let parses = (try? JSONSerialization.jsonObject(with: Data(payload), options: .fragmentsAllowed)) != nil
            return .envelope(header, parses ? .parses : .doesNotParse)
        case MessagePackCacheCodec().identifier:
            return .envelope(header, MessagePackCacheCodec().isWellFormed(payload) ? .parses : .doesNotParse)
        default:
            return .envelope(header, .unknownCodec)
        }
    }
}
