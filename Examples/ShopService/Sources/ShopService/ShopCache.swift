import CacheRuntime
import CacheSchemaRedis
import Logging

/// Where a cached GET's value came from, for the `X-Cache` header.
enum CacheSource: String, Sendable {
    case hit, miss, bypass
}

/// The service's view of the cache: the runtime over Redis, or nothing when the cache is bypassed on purpose
/// (`CACHE_BYPASS=1`, the baseline of the load run). Every key comes from the generated `CacheKeys`, every
/// invalidation from the generated `CacheInvalidator` / `CacheInvalidations`: nothing here formats a key.
struct ShopCache: Sendable {
    /// `nil` when bypassed.
    let cache: RedisCache?
    let invalidator: CacheInvalidator?
    let logger: Logger

    init(cache: RedisCache?, logger: Logger) {
        self.cache = cache
        self.invalidator = cache.map { CacheInvalidator($0) }
        self.logger = logger
    }

    /// Cache-aside (`getOrSetReporting`): the cached value, or `loader`'s, stored with the key's TTL. When Redis is
    /// down the loader answers (`bypass`); the loader's own errors propagate.
    func read<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> (value: Value?, source: CacheSource) {
        guard let cache else { return (try await loader(), .bypass) }
        let result = try await cache.getOrSetReporting(key, loader: loader)
        return (result.value, CacheSource(rawValue: result.source.rawValue) ?? .miss)
    }

    /// Runs cache updates that follow a committed database write. They are best effort: the database already holds
    /// the truth, so a cache failure (Redis down) is logged and reported as `X-Cache-Write: failed` instead of
    /// failing a request whose write succeeded. Each step is attempted even if another one failed.
    ///
    /// The steps touch different keys, so they run side by side (at most `maximumConcurrentSteps` at once): a request
    /// waits for its slowest step, not for the sum of them. That matters when Redis stops answering: until the
    /// client's circuit breaker opens, each step waits out the write deadline, and a user update with stats to delete
    /// would otherwise wait several deadlines in a row.
    func afterWrite(_ what: String, _ steps: [@Sendable (RedisCache, CacheInvalidator) async throws -> Void]) async -> WriteReport {
        guard let cache, let invalidator else { return .bypassed }
        let logger = logger
        let failures = await withTaskGroup(of: Bool.self) { group -> Int in
            var failures = 0
            for (index, step) in steps.enumerated() {
                if index >= Self.maximumConcurrentSteps, let succeeded = await group.next(), !succeeded { failures += 1 }
                group.addTask {
                    do {
                        try await step(cache, invalidator)
                        return true
                    } catch {
                        logger.warning("cache update after a write failed; the cache retries it when Redis answers and does not read those entries meanwhile", metadata: [
                            "write": "\(what)", "error": "\(error)",
                        ])
                        return false
                    }
                }
            }
            for await succeeded in group where !succeeded { failures += 1 }
            return failures
        }
        return failures > 0 ? .failed : .ok
    }

    /// How many cache updates of one write run at once (a user deleted with 99 orders has over 100).
    static let maximumConcurrentSteps = 8

    enum WriteReport: String, Sendable {
        case ok, failed, bypassed
    }
}
