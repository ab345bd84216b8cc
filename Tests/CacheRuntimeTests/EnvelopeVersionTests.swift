import NIOCore
import Testing

@testable import CacheRuntime

/// Version 2 of the envelope carries the load's duration; version 1 values still read, and an unknown version is a
/// miss, never a wrong value.
@Suite struct EnvelopeVersionTests {
    private let codec = Array("json".utf8)
    private let payload = Array(#"{"a":1}"#.utf8)

    @Test func versionTwoCarriesTheLoadsDurationAndItsPayload() {
        let bytes = CacheEnvelope.wrap(payload, codec: "json", fingerprint: 42, loadMilliseconds: 70_000)
        #expect(bytes[2] == 2)
        #expect(CacheEnvelope.unwrap(ByteBuffer(bytes: bytes), codec: codec, fingerprint: 42) == .success(.init(payload: payload, loadMilliseconds: 70_000)))
    }

    @Test func versionOneStillReadsWithoutADuration() {
        let bytes = CacheEnvelope.wrap(payload, codec: "json", fingerprint: 42)
        #expect(bytes[2] == 1)
        #expect(CacheEnvelope.unwrap(ByteBuffer(bytes: bytes), codec: codec, fingerprint: 42) == .success(.init(payload: payload, loadMilliseconds: nil)))
    }

    @Test func anUnknownVersionOrATruncatedHeaderIsAMismatch() {
        var bytes = CacheEnvelope.wrap(payload, codec: "json", fingerprint: 42, loadMilliseconds: 5)
        bytes[2] = 3
        #expect(CacheEnvelope.unwrap(ByteBuffer(bytes: bytes), codec: codec, fingerprint: 42) == .failure(.version(3)))
        // A version 2 header cut inside its duration field.
        let header = CacheEnvelope.wrap([], codec: "json", fingerprint: 42, loadMilliseconds: 5)
        #expect(CacheEnvelope.unwrap(ByteBuffer(bytes: header.dropLast(2)), codec: codec, fingerprint: 42) == .failure(.notAnEnvelope))
    }
}
