import CacheRuntime
import Foundation
import MetricsTestKit
import Testing

/// Each lookup is counted once, labelled by the schema key name only.
@Suite struct CacheMetricsTests {
    @Test func hitsMissesLoadsAndDecodeFailuresAreCountedOncePerLookup() async throws {
        let metrics = TestMetrics()
        try await withCache(metrics: metrics) { _, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "A", email: "a@x")
            _ = try await cache.getOrSet(key) { user }  // miss, load, store
            _ = try await cache.getOrSet(key) { user }  // hit
            _ = try await cache.getOrSet(key) { user }  // hit
            // A value of another type under the key (an older deploy): one decode failure, one miss, one load.
            let legacy = key.withValueType(LegacyUserDTO.self)
            try await cache.set(legacy, LegacyUserDTO(id: 1, fullName: "old"))
            _ = try await cache.getOrSet(key) { user }
            let labels = [("key", "user")]
            #expect(try metrics.expectCounter("cache_misses_total", labels).totalValue == 2)
            #expect(try metrics.expectCounter("cache_hits_total", labels).totalValue == 2)
            #expect(try metrics.expectCounter("cache_loads_total", labels).totalValue == 2)
            #expect(try metrics.expectCounter("cache_decode_failures_total", labels).totalValue == 1)
            #expect(try metrics.expectTimer("cache_load_duration_seconds", labels).values.count == 2)
            for counter in metrics.counters {
                for (_, value) in counter.dimensions { #expect(!value.contains(id.uuidString.lowercased()) && !value.contains(":")) }
            }
        }
    }
}
