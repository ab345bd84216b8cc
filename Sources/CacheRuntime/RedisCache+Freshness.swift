import CacheSchemaRESP
import CacheSchemaRedis
import Foundation
import NIOCore

extension RedisCache {
    /// The TTL a store sends for a key: `ttl` shortened at random by up to the key's jitter, plus its stale window
    /// (the value lives on in Redis through that window; reads tell the window from the remaining TTL).
    static func storedTTL(_ ttl: Duration, freshness: CacheFreshness, random: Double = .random(in: 0...1)) -> Duration {
        let jittered = freshness.ttlJitter > 0 ? ttl * (1 - freshness.ttlJitter * random) : ttl
        return jittered + (freshness.staleWindow ?? .zero)
    }

    /// What a hit of a key with a ``CacheFreshness`` does.
    enum FreshnessDecision: Equatable {
        /// Serve the value.
        case serve
        /// Serve it and refresh it in the background: XFetch says it is time (`early`), or its TTL has run out and it
        /// is in its stale window (`stale`).
        case refresh(stale: Bool)
    }

    /// Decides from the value's remaining Redis TTL (`pttl`, ms: the TTL plus the stale window, counted by Redis so
    /// that processes whose clocks disagree agree) and its last load's duration δ.
    ///
    /// - Parameter random: Uniform in (0, 1], XFetch's draw.
    static func decide(pttl: Int64, loadMilliseconds: UInt32?, freshness: CacheFreshness, random: Double) -> FreshnessDecision {
        guard pttl >= 0 else { return .serve }  // no TTL (-1) or gone since the GET (-2)
        let stale = freshness.staleWindow.map { Int64(milliseconds($0)) } ?? 0
        let fresh = pttl - stale  // what is left before the TTL the schema declares
        if freshness.staleWindow != nil && fresh <= 0 { return .refresh(stale: true) }
        if let beta = freshness.earlyRefresh, let delta = loadMilliseconds, delta > 0,
            Double(delta) * beta * -log(random) >= Double(fresh)
        {
            return .refresh(stale: false)
        }
        return .serve
    }

    /// `GET` and `PTTL` of the key, pipelined in one write to its node: the value and its remaining TTL in ms.
    func readWithRemainingTTL<Value>(_ key: CacheKey<Value>) async throws -> (value: ByteBuffer?, pttl: Int64) {
        let replies = try await client.batch(
            [(command: RedisCommand("GET", key.rawValue), key: key.rawValue), (command: RedisCommand("PTTL", key.rawValue), key: key.rawValue)],
            timeout: readTimeout)
        redisAnswered()
        let value = try replies[0].get()
        let pttl = (try? replies[1].get().integer()) ?? -1
        return (value == .null ? nil : try value.bytes(), pttl)
    }

    /// Refreshes a key in the background, at most once at a time per key in this process and, with the fill lease,
    /// in the fleet (a process that finds the lease taken leaves the refresh to its holder). The refresh reads the
    /// generations before its loader runs and stores as a fill: a write, delete or invalidation meanwhile refuses it.
    func refreshInBackground<Value: Codable & Sendable>(
        _ key: CacheKey<Value>, ttl: Duration?, loader: @escaping @Sendable () async throws -> Value?
    ) {
        guard refreshing.withLock({ $0.insert(key.rawValue).inserted }) else { return }
        Task {
            await self.refresh(key, ttl: ttl, loader: loader)
            self.refreshing.withLock { _ = $0.remove(key.rawValue) }
        }
    }

    private func refresh<Value: Codable & Sendable>(
        _ key: CacheKey<Value>, ttl: Duration?, loader: @escaping @Sendable () async throws -> Value?
    ) async {
        let instruments = metrics.forKey(key.name)
        var lease: String?
        do {
            let (_, snapshot) = try await readGenerations(key, timeout: readTimeout)
            if let policy = fillLease {
                guard let token = try await takeFillLease(key, policy: policy) else { return }  // another process refreshes
                lease = token
            }
            instruments.refreshes.increment()
            let (loaded, elapsed) = try await timedLoad(loader, instruments: instruments)
            guard let value = loaded else {
                // The source has nothing now; the value expires with its TTL (or goes with the entity's invalidation).
                releaseFillLease(key, token: lease)
                return
            }
            let bytes = try encode(value, for: key, loadTime: elapsed)
            let mode: StoreMode = skipsGenerationChecks ? .set : .fill(snapshot, lease: lease)
            if try await store(bytes, key: key, ttl: ttl ?? key.ttl, mode: mode) == false {
                logger.debug("a write or invalidation happened during the refresh; not storing its result", metadata: ["key": "\(key.name)"])
            }
        } catch {
            releaseFillLease(key, token: lease)
            instruments.errors.increment()
            warnRateLimited("background refresh failed", name: key.name, error: CacheError.wrapping(error, name: key.name, doing: "refresh").message)
        }
    }
}
