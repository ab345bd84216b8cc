import CacheRuntime
import CacheSchemaRedis
import Foundation
import Testing

/// A key owned by an instance of another hash tag: an order line reached by its customer's related pattern.
///
/// ```yaml
/// namespace: xo
/// entities:
///   order:    { id: { order_id: String }, keys: { orderLine: { pattern: "order:{order_id}:customer:{customer_id}", params: { customer_id: String } } } }
///   customer: { id: { customer_id: String }, related: ["order:*:customer:{customer_id}"] }
/// ```
///
/// The key `xo:order:{o1}:customer:c1` lies in the slot of tag `o1`; its customer's index and marker in the slot of
/// `c1`. On one node and on a cluster alike, the customer's invalidation must delete it and must refuse a fill that
/// read before it (`check` warns about such schemas: `cross-slot-owner`).
@Suite struct ForeignOwnerTests {
    @Test func keysOwnedAcrossTagsAreInvalidatedOnOneNode() async throws {
        try await withCache { _, cache in
            try await Self.exercise(cache, slotsDiffer: false)
        }
    }

    static func orderLine(order: String, customer: String) -> CacheKey<String> {
        let descriptor = CacheKeyDescriptor(
            name: "orderLine", entity: "order", pattern: "order:{order_id}:customer:{customer_id}", namespace: "xo",
            parameters: [
                CacheParameterDescriptor(name: "order_id", label: "orderID", type: .string),
                CacheParameterDescriptor(name: "customer_id", label: "customerID", type: .string),
            ],
            ttl: .seconds(300), ttlClass: nil, valueType: nil, invalidatedBy: ["order", "customer"])
        return CacheKey(
            descriptor: descriptor, rawValue: "xo:order:{\(order)}:customer:\(customer)",
            owners: [CacheEntityInstance(entity: "order", identity: order), CacheEntityInstance(entity: "customer", identity: customer)])
    }

    static func customer(_ id: String) -> CacheInvalidation {
        CacheInvalidation(
            instance: CacheEntityInstance(entity: "customer", identity: id), namespace: "xo", keys: [],
            patterns: [.init(origin: .related("order:*:customer:{customer_id}"), glob: "xo:order:*:customer:\(id)", indexed: true)])
    }

    /// The whole story on `cache`; `slotsDiffer` (on a cluster) first checks that the two tags lie in two slots.
    static func exercise(_ cache: RedisCache, slotsDiffer: Bool) async throws {
        let key = orderLine(order: "o1", customer: "c1")
        if slotsDiffer {
            #expect(RedisClusterSlot.of(key.rawValue) != RedisClusterSlot.of("{c1}"), "the test needs two slots")
        }
        try await cache.set(key, "v1")
        #expect(try await cache.invalidateCounting(customer("c1")) == 1)
        #expect(await cache.get(key).value == nil)

        // A fill that read before the customer's invalidation stores nothing behind it.
        let load = try await StaleFillTests.race(cache, key, stale: "stale") {
            try await cache.invalidate(customer("c1"))
        }
        #expect(try await load.value == "stale")
        #expect(await cache.get(key).value == nil, "a fill stored behind the invalidation of an owner in another slot")

        // A fill after it stores, and registers with the customer first: the next invalidation reaches it.
        #expect(try await cache.getOrSetReporting(key) { "fresh" }.source == .miss)
        #expect(await cache.get(key).value == "fresh")
        try await cache.invalidate(customer("c1"))
        #expect(await cache.get(key).value == nil)

        // The order's own invalidation (same slot as the key) still deletes it in its one script.
        try await cache.set(key, "v2")
        let order = CacheInvalidation(
            instance: CacheEntityInstance(entity: "order", identity: "o1"), namespace: "xo", keys: [],
            patterns: [.init(origin: .key("orderLine"), glob: "xo:order:{o1}:customer:*")])
        #expect(try await cache.invalidateCounting(order) == 1)
        #expect(await cache.get(key).value == nil)

        // A delete bumps the customer's marker in its own slot too.
        let marker = "xo:~gen:customer:{c1}"
        let before = try await cache.client.routed(by: marker).get(marker)
        try await cache.set(key, "v3")
        #expect(try await cache.delete(key))
        let after = try await cache.client.routed(by: marker).get(marker)
        #expect(after != nil && after != before)
    }
}
