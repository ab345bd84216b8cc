import BenchmarkSupport
import CacheRuntime
import CacheSchemaRedis
import Foundation

/// Table 3: invalidating one entity instance with `relatedKeys` keys among N filler keys (`DEBUG POPULATE`), through
/// the runtime's index (`invalidateCounting`, one script call on the instance's slot) against `deletePattern` (SCAN
/// MATCH … COUNT 1000 over the whole keyspace of every primary, then UNLINK) of the same keys.
enum Invalidation {
    static func run(_ options: Options, redis: BenchmarkRedis, cache: RedisCache) async throws {
        let client = redis.client
        let related = options.relatedKeys
        var table = [["filler keys", "index ms", "index min–max ms", "target", "SCAN+UNLINK ms", "SCAN min–max ms", "SCAN / index"]]
        var indexMedians: [Double] = [], scanMedians: [Double] = []
        for keyspace in options.keyspaces {
            try await redis.flushAll()
            let fillerProbes = try await redis.populate(keyspace)
            guard try await redis.keyCount() == keyspace else { throw BenchmarkError("the keyspace does not hold \(keyspace) keys") }
            // The first SCAN deletion in a namespace creates its 16,384 pattern markers (one per slot, see
            // RedisCache.deletePattern); later ones overwrite them. Made here, untimed, so that DBSIZE then moves by
            // the rounds' own keys only.
            _ = try await cache.deletePattern(CacheGlob("bench:sample:").hashTag(UUID()).literal(":item:").anyRun())

            var indexTimes: [Double] = [], scanTimes: [Double] = []
            for _ in 0..<options.invalidationRounds {
                let owner = UUID()
                let keys = (0..<related).map { CacheKeys.sampleItem(id: owner, item: $0, as: Int.self) }

                // Through the index: the 20 keys, and the index set itself, go.
                for (item, key) in keys.enumerated() { try await cache.set(key, item) }
                var before = try await redis.keyCount()
                var start = ContinuousClock.now
                let removed = try await cache.invalidateCounting(CacheInvalidations.sample(id: owner))
                indexTimes.append(seconds(ContinuousClock.now - start) * 1000)
                try await check("index", removed: removed, expected: related, keys: keys, before: before, after: try await redis.keyCount(), gone: related + 1, client: client)

                // SCAN+UNLINK of the same keys, written the same way (the index set stays: SCAN does not know it).
                for (item, key) in keys.enumerated() { try await cache.set(key, item) }
                before = try await redis.keyCount()
                start = ContinuousClock.now
                let scanned = try await cache.deletePattern(CacheGlob("bench:sample:").hashTag(owner).literal(":item:").anyRun())
                scanTimes.append(seconds(ContinuousClock.now - start) * 1000)
                try await check("SCAN+UNLINK", removed: scanned, expected: related, keys: keys, before: before, after: try await redis.keyCount(), gone: related, client: client)
                try await cache.invalidate(CacheInvalidations.sample(id: owner))  // drops the leftover index set
            }
            for probe in fillerProbes where try await client.routed(by: probe).exists([probe]) != 1 {
                throw BenchmarkError("filler key \(probe) was deleted")
            }
            let index = median(indexTimes), scan = median(scanTimes)
            indexMedians.append(index)
            scanMedians.append(scan)
            table.append([
                thousands(Double(keyspace)), String(format: "%.3f", index),
                String(format: "%.3f–%.3f", indexTimes.min() ?? .nan, indexTimes.max() ?? .nan),
                index <= 1 ? "≤ 1 ms met" : "≤ 1 ms MISSED",
                String(format: "%.1f", scan), String(format: "%.1f–%.1f", scanTimes.min() ?? .nan, scanTimes.max() ?? .nan),
                String(format: "%.0fx", scan / index),
            ])
        }
        try await redis.flushAll()
        print("""
            3. Invalidating one instance of entity sample with \(related) keys (sampleItem) among N filler keys, \
            \(options.invalidationRounds) rounds per row, medians; each removal checked (exactly \(related) keys removed, \
            none of them left, DBSIZE down by \(related) + the index set / by \(related)).

            """)
        print(pad(table))
        if indexMedians.count > 1, let first = indexMedians.first, let last = indexMedians.last, first > 0, let low = indexMedians.min(), let high = indexMedians.max() {
            print(String(
                format: "\nindex median from %@ to %@ filler keys: %.2fx (flat: about 1; SCAN+UNLINK: %.0fx); spread of the medians %.3f–%.3f ms",
                thousands(Double(options.keyspaces[0])), thousands(Double(options.keyspaces[options.keyspaces.count - 1])), last / first,
                scanMedians[scanMedians.count - 1] / scanMedians[0], low, high))
        }
        print("")
    }

    private static func check(
        _ method: String, removed: Int, expected: Int, keys: [CacheKey<Int>], before: Int, after: Int, gone: Int, client: any RedisKeyedClient
    ) async throws {
        guard removed == expected else { throw BenchmarkError("\(method) removed \(removed) keys, expected \(expected)") }
        // The instance's keys share its hash tag, so one EXISTS reaches them on a cluster too.
        let left = try await client.routed(byKeys: keys.map(\.rawValue)).exists(keys.map(\.rawValue))
        guard left == 0 else { throw BenchmarkError("\(method) left \(left) of the \(expected) keys") }
        guard before - after == gone else { throw BenchmarkError("\(method): DBSIZE went from \(before) to \(after), expected -\(gone)") }
    }
}
