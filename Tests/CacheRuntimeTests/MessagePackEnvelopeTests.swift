import CacheSchemaMessagePack
import Foundation
import NIOCore
import Testing

@testable import CacheRuntime

/// The MessagePack codec through the runtime's envelope: a value it wrote unwraps to its payload, and a reader on
/// another codec sees a codec mismatch (a miss), never bytes it would misread.
@Suite struct MessagePackEnvelopeTests {
    struct Note: Codable, Equatable {
        var id: UUID
        var text: String
        var at: Date
    }

    @Test func worksThroughTheEnvelope() throws {
        let codec = MessagePackCacheCodec()
        let note = Note(id: UUID(), text: "übersicht: 42", at: Date(timeIntervalSince1970: 1_733_000_000.123_456))
        let fingerprint = CacheEnvelope.fingerprint(keyName: "note", valueType: Note.self)
        let stored = ByteBuffer(bytes: CacheEnvelope.wrap(try codec.encode(note), codec: codec.identifier, fingerprint: fingerprint))
        guard case .success(let unwrapped) = CacheEnvelope.unwrap(stored, codec: Array(codec.identifier.utf8), fingerprint: fingerprint) else {
            Issue.record("the envelope did not unwrap")
            return
        }
        #expect(try codec.decode(Note.self, from: unwrapped.payload) == note)
        #expect(CacheEnvelope.unwrap(stored, codec: Array(JSONCacheCodec().identifier.utf8), fingerprint: fingerprint) == .failure(.codec("msgpack")))
    }
}
