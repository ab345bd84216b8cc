import Testing

@testable import CacheSchemaCore

/// FNV-1a's values are stored (schema fingerprints, envelope fingerprints), so the function is pinned to the
/// published test vectors.
@Suite struct FNV1aTests {
    @Test func matchesThePublishedVectors() {
        #expect(FNV1a.hash64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash64("foobar".utf8) == 0x8594_4171_f739_67e8)
    }
}
