import CacheSchemaCore
import Foundation
import Testing

@testable import CacheRuntime

/// The near cache's bookkeeping without a socket: SIEVE eviction, and the rules that keep a value read before an
/// invalidation out of process memory.
@Suite struct NearCacheStoreTests {
    private let policy = CacheNearCachePolicy(localTTL: .seconds(60), capacity: 3)
    private let later = ContinuousClock.now + .seconds(60)

    private func key(_ id: Int, owner: String = "u1") -> CacheKey<String> {
        let descriptor = CacheKeyDescriptor(
            name: "item", entity: "user", pattern: "item:{id}", namespace: "t", parameters: [], ttl: .seconds(60), ttlClass: nil,
            valueType: nil, invalidatedBy: ["user"])
        return CacheKey(descriptor: descriptor, rawValue: "t:item:{\(id)}", owners: [CacheEntityInstance(entity: "user", identity: owner, hashTag: owner)])
    }

    private func live() -> CacheNearCache {
        let near = CacheNearCache()
        near.reset(live: true)
        return near
    }

    @Test func anInvalidationBetweenAReadsReplyAndItsStoreLeavesNoEntry() {
        let near = live()
        let ticket = near.ticket(for: key(1))  // the read is sent
        near.invalidate(["t:item:{1}"])  // the push arrives after the reply, before the store
        near.store(key(1), "old", ticket: ticket, expires: later, policy: policy)
        #expect(near.value(key(1)) == nil)
        // The next read, after the invalidation, stores.
        let next = near.ticket(for: key(1))
        near.store(key(1), "new", ticket: next, expires: later, policy: policy)
        #expect(near.value(key(1)) == "new")
    }

    @Test func aReadThatOverlapsAnInvalidatedOneStoresNothingEither() {
        let near = live()
        let first = near.ticket(for: key(1))
        near.invalidate(["t:item:{1}"])
        let second = near.ticket(for: key(1))  // sent after the invalidation, but the mark lasts while any ticket is out
        near.store(key(1), "a", ticket: second, expires: later, policy: policy)
        near.release(first)
        #expect(near.value(key(1)) == nil, "conservative: one fewer near hit, never a stale one")
    }

    @Test func nothingIsStoredWithoutLiveTrackingOrAcrossAnEpoch() {
        let near = CacheNearCache()
        let before = near.ticket(for: key(1))
        near.reset(live: true)
        near.store(key(1), "a", ticket: before, expires: later, policy: policy)
        #expect(near.value(key(1)) == nil, "read before tracking was live")
        let during = near.ticket(for: key(2))
        near.reset(live: false)  // the tracking connection dropped
        near.reset(live: true)
        near.store(key(2), "b", ticket: during, expires: later, policy: policy)
        #expect(near.value(key(2)) == nil, "read across a reconnect")
        near.store(key(3), "c", ticket: near.ticket(for: key(3)), expires: later, policy: policy)
        #expect(near.value(key(3)) == "c")
        near.reset(live: true)  // FLUSHALL
        #expect(near.count == 0)
    }

    @Test func anInstancesInvalidationOrAPatternDropsItsEntries() {
        let near = live()
        for id in 1...2 { near.store(key(id, owner: "u1"), "v", ticket: near.ticket(for: key(id, owner: "u1")), expires: later, policy: policy) }
        near.store(key(3, owner: "u2"), "v", ticket: near.ticket(for: key(3, owner: "u2")), expires: later, policy: policy)
        let u1 = CacheRepairQueue.instanceIdentity(CacheEntityInstance(entity: "user", identity: "u1", hashTag: "u1"), namespace: "t")
        #expect(near.invalidate(owner: u1) == 2)
        #expect(near.value(key(3, owner: "u2")) == "v")
        #expect(near.invalidate(owner: nil, matching: { $0.hasPrefix("t:item:") }) == 1)
        #expect(near.count == 0)
    }

    @Test func expiredEntriesAreGoneAndTheTypeMustMatch() {
        let near = live()
        near.store(key(1), "v", ticket: near.ticket(for: key(1)), expires: .now + .milliseconds(1), policy: policy)
        #expect(near.value(key(1), now: .now + .seconds(1)) == nil)
        near.store(key(2), "v", ticket: near.ticket(for: key(2)), expires: later, policy: policy)
        #expect(near.value(key(2).withValueType(Int.self)) == nil)
    }

    @Test func sieveKeepsVisitedEntriesAndEvictsTheOthersOldestFirst() {
        var sieve = SieveCache<Int>(capacity: 3)
        let far = ContinuousClock.now + .seconds(60)
        for (index, key) in ["a", "b", "c"].enumerated() { sieve.insert(key, index, expires: far) }
        _ = sieve.value(for: "a", now: .now)  // a is hot
        #expect(sieve.insert("d", 3, expires: far) == 1)
        #expect(Set(sieve.keys) == ["a", "c", "d"], "b, the oldest not visited, went; a survived")
        #expect(sieve.insert("e", 4, expires: far) == 1)
        #expect(Set(sieve.keys) == ["a", "d", "e"])
        // A burst of one-off keys passes through without evicting a hot one visited again meanwhile.
        for i in 0..<10 {
            _ = sieve.value(for: "a", now: .now)
            sieve.insert("x\(i)", i, expires: far)
        }
        #expect(sieve.keys.contains("a"))
        #expect(sieve.count == 3)
        let removed = sieve.remove("a"), again = sieve.remove("a")
        #expect(removed)
        #expect(!again)
    }
}
