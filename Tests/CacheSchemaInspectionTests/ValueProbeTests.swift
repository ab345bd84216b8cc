import CacheSchemaMessagePack
import Foundation
import Testing

@testable import CacheRuntime
@testable import CacheSchemaInspection

/// Values read without their Swift type: the envelope the runtime writes, parsed by codec, or not an envelope.
@Suite struct ValueProbeTests {
    private static let fingerprint: UInt64 = 0x0123_4567_89AB_CDEF

    @Test func anEnvelopeGivesItsCodecFingerprintAndVersion() throws {
        let json = CacheEnvelope.wrap(Array(#"{"a":1}"#.utf8), codec: "json", fingerprint: Self.fingerprint)
        guard case .envelope(let header, .parses) = ValueFinding.probe(json, isWhole: true) else { Issue.record("not parsed"); return }
        #expect(header.codec == "json" && header.fingerprint == Self.fingerprint && header.version == 1 && header.loadMilliseconds == nil)
        let timed = CacheEnvelope.wrap(Array("[1,2]".utf8), codec: "json", fingerprint: 7, loadMilliseconds: 250)
        guard case .envelope(let timedHeader, .parses) = ValueFinding.probe(timed, isWhole: true) else { Issue.record("not parsed"); return }
        #expect(timedHeader.version == 2 && timedHeader.loadMilliseconds == 250)
    }

    @Test func payloadsAreCheckedByTheirCodec() throws {
        let cut = CacheEnvelope.wrap(Array(#"{"a":"#.utf8), codec: "json", fingerprint: 1)
        #expect(ValueFinding.probe(cut, isWhole: true) == .envelope(try #require(CacheEnvelopeHeader(cut)), .doesNotParse))
        let packed = try MessagePackCacheCodec().encode(["a": 1])
        let msgpack = CacheEnvelope.wrap(packed, codec: "msgpack", fingerprint: 1)
        #expect(ValueFinding.probe(msgpack, isWhole: true) == .envelope(try #require(CacheEnvelopeHeader(msgpack)), .parses))
        let trailing = CacheEnvelope.wrap(packed + [0xC0], codec: "msgpack", fingerprint: 1)
        #expect(ValueFinding.probe(trailing, isWhole: true) == .envelope(try #require(CacheEnvelopeHeader(trailing)), .doesNotParse))
        let custom = CacheEnvelope.wrap([1, 2, 3], codec: "protobuf", fingerprint: 1)
        #expect(ValueFinding.probe(custom, isWhole: true) == .envelope(try #require(CacheEnvelopeHeader(custom)), .unknownCodec))
        // Only the first bytes of a large value: the header, not the payload.
        #expect(ValueFinding.probe(Array(cut.prefix(20)), isWhole: false) == .envelope(try #require(CacheEnvelopeHeader(cut)), .notRead))
    }

    @Test func otherBytesAreNotEnvelopes() {
        for bytes in [Array(#"{"plain":"json"}"#.utf8), [], Array("CS".utf8), [0x43, 0x53, 9, 0], [0x43, 0x53, 1, 200, 1]] {
            #expect(ValueFinding.probe(bytes, isWhole: true) == .notEnvelope, "\(bytes)")
        }
    }
}
