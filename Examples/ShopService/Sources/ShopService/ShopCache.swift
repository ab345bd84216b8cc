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
    /// failing a request whose write succeeded. Each step is attempted even if an earlier one failed.
    func afterWrite(_ what: String, _ steps: [@Sendable (RedisCache, CacheInvalidator) async throws -> Void]) async -> WriteReport {
        guard let cache, let invalidator else { return .bypassed }
        var failed = false
        for step in steps {
            do {
                try await step(cache, invalidator)
            } catch {
                failed = true
                logger.warning("cache update after a write failed; the cache retries it when Redis answers and does not read those entries meanwhile", metadata: [
                    "write": "\(what)", "error": "\(error)",
                ])
            }
        }
        return failed ? .failed : .ok
    }

    enum WriteReport: String, Sendable {
        case ok, failed, bypassed
    }
}
