import Testing

@testable import CacheRuntime

fileprivate struct FilePrivateNote: Codable {}

/// A type that is not private: its envelope fingerprint must not change with the rule for private types, so that
/// envelopes written by the running fleet stay hits across the deploy.
struct VisibleNote: Codable {}

/// The envelope fingerprint is the same in every process of one build. Swift prints private and fileprivate types
/// with the address of their context ("(unknown context at $5649ed8c046c)"), which moves with ASLR, so a fingerprint
/// that contained it would differ after every restart and between replicas. These expectations are constants: a
/// fingerprint that depended on an address could not equal them in any process (the test was seen to fail so before
/// the fix, with a different value on each run).
@Suite struct EnvelopeFingerprintTests {
    private struct Hidden: Codable {}

    @Test func privateAndFileprivateTypesHaveTheSameFingerprintInEveryProcess() {
        // FNV-1a of "note|CacheRuntimeTests.EnvelopeFingerprintTests.(unknown context).Hidden".
        #expect(CacheEnvelope.fingerprint(keyName: "note", valueType: Hidden.self) == 0x8dcb_33b7_0d6d_6aa7)
        // FNV-1a of "note|CacheRuntimeTests.(unknown context).FilePrivateNote".
        #expect(CacheEnvelope.fingerprint(keyName: "note", valueType: FilePrivateNote.self) == 0x505a_9dc1_da14_1a57)
        // A private type as a generic argument: "note|Swift.Array<Swift.Optional<…(unknown context).Hidden>>".
        #expect(CacheEnvelope.fingerprint(keyName: "note", valueType: [Hidden?].self) == 0xf621_9fe8_4611_8632)
    }

    @Test func otherTypesKeepTheFingerprintOfTheirReflectedName() {
        // Byte for byte the text envelopes were fingerprinted with before: FNV-1a of "<key>|<String(reflecting:)>".
        #expect(String(reflecting: VisibleNote.self) == "CacheRuntimeTests.VisibleNote")
        #expect(CacheEnvelope.fingerprint(keyName: "user", valueType: VisibleNote.self) == 0x4a1a_33d2_d35a_1fc1)
        #expect(CacheEnvelope.fingerprint(keyName: "user", valueType: [String: Int].self) == 0x3e6b_8ada_44c8_31ab)
    }
}
