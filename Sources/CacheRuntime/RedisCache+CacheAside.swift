import NIOCore
import RedisClient

extension RedisCache {
    /// Cache-aside: returns the cached value, or runs `loader`, stores a non-nil result with the key's TTL and
    /// returns it. `nil` from the loader is returned and not stored.
    ///
    /// - One loader runs per key at a time in this process; concurrent callers share its result, and its error
    ///   reaches every one of them and is not cached.
    /// - Fail-open: when Redis is slow or down (past `readTimeout`), the loader answers and nothing is stored; the
    ///   error is logged and counted. Redis errors never reach the caller; the loader's errors do.
    /// - A load that started before a write or invalidation of the key's entity does not store its (older) result.
    public func getOrSet<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration? = nil,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> Value? {
        try await getOrSetReporting(key, ttl: ttl, loader: loader).value
    }

    /// Like ``getOrSet(_:ttl:loader:)``, and also says where the value came from (for `X-Cache` headers).
    public func getOrSetReporting<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration? = nil,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> CacheAsideResult<Value> {
        // Hits cost one GET, take no lock and start no task. The owners' generations matter only to a fill, so only
        // a miss reads them (inside the flight, before its loader runs), and only a miss goes through single-flight.
        let read = await readFast(key)
        if case .hit(let value) = read { return CacheAsideResult(value: value, source: .hit) }
        if case .failed = read {
            // Redis is unavailable: share one load among concurrent callers, store nothing.
            return try await singleFlight.run(key: key.rawValue) {
                try await self.loadAndStore(key, ttl: ttl, read: read, loader: loader)
            }
        }
        return try await singleFlight.run(key: key.rawValue) {
            // Read again inside the flight: a caller that missed just before another flight stored the value
            // finds it here instead of loading a second time.
            let fresh = await self.readWithGenerations(key)
            if case .hit(let value) = fresh { return CacheAsideResult(value: value, source: .hit) }
            return try await self.loadAndStore(key, ttl: ttl, read: fresh, loader: loader)
        }
    }

    enum AsideRead<Value: Sendable>: Sendable {
        case hit(Value)
        /// A miss, with the owners' generations as read together with the key.
        case miss(generations: [String])
        case failed(CacheError)
    }

    /// The first look of `getOrSet`: the value alone. A miss here is not counted (the read inside the flight counts
    /// it), and `.miss` carries no generations.
    private func readFast<Value: Codable & Sendable>(_ key: CacheKey<Value>) async -> AsideRead<Value> {
        if let pending = repairPending(key) { return .failed(pending) }
        let instruments = metrics.forKey(key.name)
        do {
            guard let buffer = try await client.get(key.rawValue, timeout: readTimeout) else { return .miss(generations: []) }
            if case .hit(let value) = decode(buffer, for: key, instruments: instruments, countMisses: false) { return .hit(value) }
            return .miss(generations: [])
        } catch {
            instruments.errors.increment()
            let readError = CacheError.wrapping(error, name: key.name, doing: "read")
            warnRateLimited("cache unavailable; serving from the loader", name: key.name, error: readError.message)
            return .failed(readError)
        }
    }

    /// Reads the value and its owners' generation markers in one round trip (`MGET`). A fill stores its result only
    /// if the generations are still these afterwards; reading them before the loader runs is what makes that
    /// check sound (a writer updates the source before it bumps them).
    func readWithGenerations<Value: Codable & Sendable>(_ key: CacheKey<Value>) async -> AsideRead<Value> {
        let instruments = metrics.forKey(key.name)
        let generationKeys = CacheIndexKeys.checkedGenerations(of: key)
        if let pending = repairPending(key) { return .failed(pending) }
        do {
            let replies = try await client.mget([key.rawValue] + generationKeys, timeout: readTimeout)
            if let buffer = replies[0] {
                if case .hit(let value) = decode(buffer, for: key, instruments: instruments) { return .hit(value) }
            } else {
                instruments.misses.increment()
            }
            return .miss(generations: replies.dropFirst().map { $0.map { String(buffer: $0) } ?? "" })
        } catch {
            instruments.errors.increment()
            let readError = CacheError.wrapping(error, name: key.name, doing: "read")
            warnRateLimited("cache unavailable; serving from the loader", name: key.name, error: readError.message)
            return .failed(readError)
        }
    }

    private func loadAndStore<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration?,
        read: AsideRead<Value>,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> CacheAsideResult<Value> {
        let instruments = metrics.forKey(key.name)
        instruments.loads.increment()
        let start = ContinuousClock.now
        let loaded = try await loader()
        let elapsed = ContinuousClock.now - start
        instruments.loadTime.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)

        guard case .miss(let generations) = read else {
            // Redis could not be read: answer from the loader and do not try to write.
            return CacheAsideResult(value: loaded, source: .bypass)
        }
        guard let value = loaded else { return CacheAsideResult(value: nil, source: .miss) }
        do {
            let bytes = try encode(value, for: key)
            let stored = try await store(bytes, key: key, ttl: ttl ?? key.ttl, expectedGenerations: generations)
            if !stored {
                logger.debug("a write or invalidation happened during the load; not storing its result", metadata: ["key": "\(key.name)"])
            }
        } catch {
            instruments.errors.increment()
            warnRateLimited("cache write after load failed", name: key.name, error: CacheError.wrapping(error, name: key.name, doing: "write").message)
        }
        return CacheAsideResult(value: value, source: .miss)
    }
}

/// What `getOrSetReporting` returns: the value and where it came from.
public struct CacheAsideResult<Value: Sendable>: Sendable {
    /// Where the value came from.
    public enum Source: String, Sendable {
        /// From the cache.
        case hit
        /// From the loader, after a miss; stored unless a concurrent write or invalidation made it stale.
        case miss
        /// From the loader, because Redis could not be read; not stored.
        case bypass
    }

    /// The value (`nil` when the loader found nothing).
    public let value: Value?
    /// Where it came from.
    public let source: Source
}
