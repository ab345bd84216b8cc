import CacheSchemaRedis
import Testing

@testable import CacheRuntime

/// The per-slot tags name the pattern markers every process of a fleet shares: each must hash to its slot, and the
/// rule that picks them must never change silently.
@Suite struct CacheSlotTagsTests {
    @Test func everySlotHasOneTagThatHashesToIt() {
        #expect(CacheSlotTags.all.count == RedisClusterSlot.count)
        #expect(Set(CacheSlotTags.all).count == RedisClusterSlot.count)
        for (slot, tag) in CacheSlotTags.all.enumerated() {
            #expect(RedisClusterSlot.of("shop:~pgen:{\(tag)}") == slot)
        }
    }

    /// Pinned values: the rule "the first base-36 number whose CRC16 lands in the slot" is part of the key layout.
    @Test func theTagsArePinned() {
        let pinned = [0, 1, 12739, 16383].map { CacheSlotTags.tag(forSlot: $0) }
        #expect(pinned == ["1bz", "emj", "za2", "hia"])  // computed by an independent CRC16-XMODEM in Python
    }
}
