import BenchmarkSupport
import CacheRuntime
import CacheSchemaRedis
import Foundation

/// Table 3: invalidating one entity instance with `relatedKeys` keys among N filler keys (`DEBUG POPULATE`), through
/// the runtime's index (`invalidateCounting`, one script call) against `deletePattern` (SCAN MATCH … COUNT 1000 over
/// the whole keyspace, then UNLINK) of the same keys.
enum Invalidation {
    static func run(_ options: Options, client: RedisClient, cache: RedisCache) async throws {
        let related = options.relatedKeys
        var table = [["filler keys", "index ms", "index min–max ms", "target", "SCAN+UNLINK ms", "SCAN min–max ms", "SCAN / index"]]
        var indexMedians: [Double] = [], scanMedians: [Double] = []
        for keyspace in options.keyspaces {
            _ = try await client.raw(["FLUSHALL", "SYNC"])
            if keyspace > 0 {
                let populated = try await client.raw(["DEBUG", "POPULATE", String(keyspace), "bench:filler"], timeout: .seconds(300))
                guard populated == .simpleString("OK") else { throw BenchmarkError("DEBUG POPULATE failed: \(populated)") }
            }
            guard try await dbsize(client) == keyspace else { throw BenchmarkError("the keyspace does not hold \(keyspace) keys") }

            var indexTimes: [Double] = [], scanTimes: [Double] = []
            for _ in 0..<options.invalidationRounds {
                let owner = UUID()
                let keys = (0..<related).map { CacheKeys.sampleItem(id: owner, item: $0, as: Int.self) }

                // Through the index: the 20 keys, and the index set itself, go.
                for (item, key) in keys.enumerated() { try await cache.set(key, item) }
                var before = try await dbsize(client)
                var start = ContinuousClock.now
                let removed = try await cache.invalidateCounting(CacheInvalidations.sample(id: owner))
                indexTimes.append(seconds(ContinuousClock.now - start) * 1000)
                try await check("index", removed: removed, expected: related, keys: keys, before: before, after: try await dbsize(client), gone: related + 1, client: client)

                // SCAN+UNLINK of the same keys, written the same way (the index set stays: SCAN does not know it).
                for (item, key) in keys.enumerated() { try await cache.set(key, item) }
                before = try await dbsize(client)
                start = ContinuousClock.now
                let scanned = try await cache.deletePattern(CacheGlob("bench:sample:").value(owner).literal(":item:").anyRun())
                scanTimes.append(seconds(ContinuousClock.now - start) * 1000)
                try await check("SCAN+UNLINK", removed: scanned, expected: related, keys: keys, before: before, after: try await dbsize(client), gone: related, client: client)
                try await cache.invalidate(CacheInvalidations.sample(id: owner))  // drops the leftover index set
            }
            guard try await client.exists(["bench:filler:0", "bench:filler:\(max(0, keyspace - 1))"]) == (keyspace > 0 ? min(2, keyspace) : 0) else {
                throw BenchmarkError("filler keys were deleted")
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
        _ = try await client.raw(["FLUSHALL", "SYNC"])
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

    private static func dbsize(_ client: RedisClient) async throws -> Int {
        Int(try await client.raw(["DBSIZE"]).integer())
    }

    private static func check(
        _ method: String, removed: Int, expected: Int, keys: [CacheKey<Int>], before: Int, after: Int, gone: Int, client: RedisClient
    ) async throws {
        guard removed == expected else { throw BenchmarkError("\(method) removed \(removed) keys, expected \(expected)") }
        let left = try await client.exists(keys.map(\.rawValue))
        guard left == 0 else { throw BenchmarkError("\(method) left \(left) of the \(expected) keys") }
        guard before - after == gone else { throw BenchmarkError("\(method): DBSIZE went from \(before) to \(after), expected -\(gone)") }
    }
}
