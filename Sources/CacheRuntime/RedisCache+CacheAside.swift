import CacheSchemaRedis
import NIOCore

extension RedisCache {
    /// Cache-aside: returns the cached value, or runs `loader`, stores a non-nil result with the key's TTL and
    /// returns it. `nil` from the loader is returned and not stored.
    ///
    /// - One loader runs per key at a time in this process; concurrent callers share its result, and its error
    ///   reaches every one of them and is not cached. A caller that is cancelled stops waiting at once with
    ///   `CancellationError`; the load goes on for the others.
    /// - Fail-open: the caller waits for Redis at most `readTimeout` in all (the reads of a miss and the store of its
    ///   fill share it), plus the loader's own time. When Redis is slow or down the loader answers, the error is
    ///   logged and counted, and a store that is still running goes on in the background. Redis errors never reach
    ///   the caller; the loader's errors do.
    /// - A load that started before a write or invalidation of the key's entity does not store its (older) result,
    ///   and callers that come after such a change do not share it: in this process, and in another whose write
    ///   completed before they came (a caller that joined a load after it began takes its result only when the fill
    ///   was stored, which proves no write came in between; otherwise it loads again).
    /// - A key holding a value this cache cannot read (another type, another codec, a list or a hash) is a miss that
    ///   the fill overwrites.
    ///
    /// - Throws: The loader's error, or `CancellationError` when the calling task is cancelled.
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
        try await traced("getOrSet", key: key) { span in
            let result = try await self.getOrSetUntraced(key, ttl: ttl, loader: loader)
            span?.attributes[CacheSpanAttribute.outcome] = result.outcome.rawValue
            if let failure = result.failure { span?.recordError(failure) }
            return result
        }
    }

    private func getOrSetUntraced<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration?,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> CacheAsideResult<Value> {
        // Hits cost one GET, take no single-flight lock and start no task. The owners' generations matter only to a fill, so only
        // a miss reads them (inside the flight, before its loader runs), and only a miss goes through single-flight.
        let start = ContinuousClock.now
        let foreign: Bool
        let failure: CacheError?
        var near: CacheNearCachePolicy?
        if key.descriptor.nearCache != nil {
            // A value held means tracking was live for its namespace when it was stored: the hit asks nothing more.
            if let value = nearCache.value(key, now: start) { return CacheAsideResult(value: value, source: .hit, outcome: .near) }
            near = nearPolicy(key)  // starts tracking, or says why the near cache is off here
            if near != nil { metrics.forKey(key.name).nearMisses.increment() }
        }
        switch try await readFast(key, near: near) {
        case .hit(let value): return CacheAsideResult(value: value, source: .hit)
        case .hitToRefresh(let value, let stale):
            refreshInBackground(key, ttl: ttl, loader: loader)
            return CacheAsideResult(value: value, source: .hit, outcome: stale ? .stale : .hit)
        case .miss(let isForeign): (foreign, failure) = (isForeign, nil)
        case .failed(let error): (foreign, failure) = (false, error)
        }
        // A caller cancelled during the read wants no answer: it starts no load.
        try Task.checkCancellation()
        let budget = RedisWaitBudget(start: start, limit: readTimeout)
        while true {
            let answer = try await singleFlight.run(key: key.rawValue, owners: flightOwners(of: key)) { flight in
                try await self.fly(key, ttl: ttl, failure: failure, foreign: foreign, flight: flight, budget: budget, loader: loader)
            }
            // Another process may have completed a write after the answer was current and before this caller came:
            // a caller that joined later than that loads again (in a flight that starts after it).
            if answer.currentAsOf >= start { return answer.result }
        }
    }

    /// What one flight found, and until when it is known to be current: any write that completed before that
    /// instant, in any process, is in it. Callers that started later do not take it.
    struct FlightAnswer<Value: Sendable>: Sendable {
        var result: CacheAsideResult<Value>
        let currentAsOf: ContinuousClock.Instant
    }

    /// The work of one flight: the read with the generations (unless the first read failed), then the loader and
    /// the fill.
    private func fly<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration?,
        failure: CacheError?,
        foreign: Bool,
        flight: SingleFlight.Flight,
        budget: RedisWaitBudget,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> FlightAnswer<Value> {
        var read: AsideRead<Value>
        if let failure {
            // Redis is unavailable: share one load among concurrent callers, store nothing.
            read = .failed(failure)
        } else {
            // Read again inside the flight, with the generations: a caller that missed just before another flight
            // stored the value finds it here instead of loading a second time.
            let sent = ContinuousClock.now
            read = await readWithGenerations(key, timeout: budget.remaining, foreign: foreign)
            if case .hit(let value) = read { return FlightAnswer(result: CacheAsideResult(value: value, source: .hit), currentAsOf: sent) }
        }
        // Across processes: one loads under the key's lease, the others wait for its value.
        var lease: String?
        if let policy = fillLease, case .miss(.some, let unreadable) = read {
            switch try await awaitFillLease(key, policy: policy, unreadable: unreadable, budget: budget) {
            case .hit(let value, let sent):
                return FlightAnswer(result: CacheAsideResult(value: value, source: .hit), currentAsOf: sent)
            case .holder(let token, let waited):
                lease = token
                if waited {
                    // Taken over after a wait: the snapshot must be younger than the load that follows it.
                    let sent = ContinuousClock.now
                    read = await readWithGenerations(key, timeout: readTimeout, foreign: unreadable)
                    if case .hit(let value) = read {
                        releaseFillLease(key, token: token)
                        return FlightAnswer(result: CacheAsideResult(value: value, source: .hit), currentAsOf: sent)
                    }
                }
            case .loadAlone:
                lease = Self.noLeaseToken
            }
        }
        return try await loadAndStore(key, ttl: ttl, read: read, lease: lease, flight: flight, budget: budget, loader: loader)
    }

    /// Makes later callers of `getOrSet` for the invalidation's keys (its exact keys and every key its instance
    /// owns) start a new load instead of sharing one that may have read the source before the change, and keeps
    /// such a load from storing. Called by every invalidation.
    func supersedeFlights(of invalidation: CacheInvalidation) {
        dropNear(invalidation)
        singleFlight.supersede(
            keys: invalidation.keys.map(\.rawValue),
            owners: [CacheRepairQueue.instanceIdentity(invalidation.instance, namespace: invalidation.namespace)])
    }

    /// The same for one key, on its write or delete.
    func supersedeFlights<Value>(of key: CacheKey<Value>) {
        dropNear([key.rawValue], name: key.name)
        singleFlight.supersede(keys: [key.rawValue], owners: [])
    }

    private func flightOwners<Value>(of key: CacheKey<Value>) -> [String] {
        key.owners.map { CacheRepairQueue.instanceIdentity($0, namespace: key.descriptor.namespace) }
    }

    /// Runs a loader, counted and timed in the key's metrics; its result and how long it took (XFetch's δ).
    func timedLoad<Value>(_ loader: () async throws -> Value?, instruments: CacheMetrics.Instruments) async throws -> (Value?, Duration) {
        instruments.loads.increment()
        let start = ContinuousClock.now
        let loaded = try await loader()
        let elapsed = ContinuousClock.now - start
        instruments.loadTime.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return (loaded, elapsed)
    }

    /// How long a `getOrSet` caller may still wait for Redis: `readTimeout` from its start, not counting the loader.
    struct RedisWaitBudget: Sendable {
        let start: ContinuousClock.Instant
        let limit: Duration

        /// What is left now, before the loader runs.
        var remaining: Duration { limit - (ContinuousClock.now - start) }

        /// What is left after the loader, which started at `loadStart` (its time is not Redis's).
        func remaining(afterLoadStartedAt loadStart: ContinuousClock.Instant) -> Duration {
            limit - (loadStart - start)
        }
    }

    enum FastRead<Value: Sendable>: Sendable {
        case hit(Value)
        /// A hit to serve and refresh in the background (``CacheFreshness``).
        case hitToRefresh(Value, stale: Bool)
        /// Nothing usable; `foreign` when the key holds a non-string Redis value (`WRONGTYPE`).
        case miss(foreign: Bool)
        case failed(CacheError)
    }

    enum AsideRead<Value: Sendable>: Sendable {
        case hit(Value)
        /// A miss, with the snapshot of the generations taken together with the key (`nil` only when the test hook
        /// ``RedisCache/skipsGenerationChecks`` is set: the fill then stores unchecked); `unreadable` when the key
        /// holds a value this cache cannot read (another type, envelope or Redis type).
        case miss(generations: GenerationSnapshot?, unreadable: Bool)
        case failed(CacheError)
    }

    /// The first look of `getOrSet`: the value alone. A miss here is not counted (the read inside the flight counts
    /// it).
    ///
    /// - Throws: `CancellationError` only: a cancelled caller is neither a Redis failure nor a reason to load.
    private func readFast<Value: Codable & Sendable>(_ key: CacheKey<Value>, near: CacheNearCachePolicy?) async throws -> FastRead<Value> {
        if let pending = repairPending(key) { return .failed(pending) }
        let instruments = metrics.forKey(key.name)
        // A near-cached key's read takes its ticket before it is sent: an invalidation from now on keeps its value out.
        let ticket = near.map { _ in nearCache.ticket(for: key) }
        var stored = false
        defer { if let ticket, !stored { nearCache.release(ticket) } }
        do {
            let freshness = key.descriptor.freshness
            guard freshness.refreshesBeforeExpiry || near != nil else {
                let buffer = try await client.routed(by: key.rawValue).get(key.rawValue, timeout: readTimeout)
                redisAnswered()
                guard let buffer else { return .miss(foreign: false) }
                if case .hit(let value) = decode(buffer, for: key, instruments: instruments, countMisses: false) { return .hit(value) }
                return .miss(foreign: false)
            }
            // Early refresh or a stale window: the remaining TTL decides, read in the same round trip.
            let (buffer, pttl) = try await readWithRemainingTTL(key)
            guard let buffer else { return .miss(foreign: false) }
            let decoded = decodeTimed(buffer, for: key, instruments: instruments, countMisses: false)
            guard case .hit(let value) = decoded.lookup else { return .miss(foreign: false) }
            switch Self.decide(pttl: pttl, loadMilliseconds: decoded.loadMilliseconds, freshness: freshness, random: .random(in: Double.ulpOfOne...1)) {
            case .serve:
                if let near, let ticket { stored = keepNear(key, value, ticket: ticket, pttl: pttl, policy: near, instruments: instruments) }
                return .hit(value)
            case .refresh(let stale):
                if stale { instruments.staleHits.increment() }
                return .hitToRefresh(value, stale: stale)
            }
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            if Self.isWrongType(error) { return .miss(foreign: true) }
            return .failed(readFailed(error, key: key, instruments: instruments))
        }
    }

    /// Reads the value with a snapshot of its generations (the server's incarnation and the owners' and pattern
    /// markers) in one round trip, within `timeout` (what the first read left of `readTimeout`). A fill stores its
    /// result only if the snapshot is still the same afterwards; taking it before the loader runs is what makes that
    /// check sound (a writer updates the source before it bumps the markers). `foreign`: the first read found a
    /// non-string value, which the snapshot's read reports as absent.
    func readWithGenerations<Value: Codable & Sendable>(
        _ key: CacheKey<Value>, timeout: Duration, foreign: Bool
    ) async -> AsideRead<Value> {
        let instruments = metrics.forKey(key.name)
        if let pending = repairPending(key) { return .failed(pending) }
        do {
            guard timeout > .zero else {
                throw RedisError(.timeout, "the read deadline passed before the read with the generations could start")
            }
            let (buffer, snapshot) = try await readGenerations(key, timeout: timeout)
            if let buffer {
                if case .hit(let value) = decode(buffer, for: key, instruments: instruments) { return .hit(value) }
            } else if foreign {
                countForeignValue(key.name, instruments: instruments)
            } else {
                instruments.misses.increment()
            }
            let unreadable = buffer != nil || foreign
            if skipsGenerationChecks { return .miss(generations: nil, unreadable: unreadable) }
            return .miss(generations: snapshot, unreadable: unreadable)
        } catch {
            return .failed(readFailed(error, key: key, instruments: instruments))
        }
    }

    /// Counts and logs a read that Redis did not answer; `getOrSet` then serves from the loader.
    private func readFailed<Value>(_ error: any Error, key: CacheKey<Value>, instruments: CacheMetrics.Instruments) -> CacheError {
        instruments.errors.increment()
        let readError = CacheError.wrapping(error, name: key.name, doing: "read")
        warnRateLimited("cache unavailable; serving from the loader", name: key.name, error: readError.message)
        return readError
    }

    /// Runs the loader and stores a non-nil result if the generations are unchanged (and, with a `lease` token, no
    /// other process holds the key's lease; a lease this flight holds ends with the store, or is released when
    /// nothing is stored). The answer is current as of the store (sent) when the store was accepted in time: no
    /// write bumped the markers between the snapshot and then. Otherwise (refused, not stored, still running, Redis
    /// unavailable) it is current only as of the loader's start.
    private func loadAndStore<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration?,
        read: AsideRead<Value>,
        lease: String?,
        flight: SingleFlight.Flight,
        budget: RedisWaitBudget,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> FlightAnswer<Value> {
        let instruments = metrics.forKey(key.name)
        let start = ContinuousClock.now
        let loaded: Value?, elapsed: Duration
        do {
            (loaded, elapsed) = try await timedLoad(loader, instruments: instruments)
        } catch {
            releaseFillLease(key, token: lease)
            throw error
        }
        func answer(_ source: CacheAsideResult<Value>.Source, currentAsOf: ContinuousClock.Instant = start) -> FlightAnswer<Value> {
            FlightAnswer(result: CacheAsideResult(value: loaded, source: source), currentAsOf: currentAsOf)
        }

        guard case .miss(let generations, _) = read else {
            // Redis could not be read: answer from the loader and do not try to write.
            releaseFillLease(key, token: lease)
            var bypass = answer(.bypass)
            if case .failed(let error) = read { bypass.result.failure = error }
            return bypass
        }
        guard let value = loaded else {
            releaseFillLease(key, token: lease)
            return answer(.miss)
        }
        guard !flight.isSuperseded else {
            releaseFillLease(key, token: lease)
            // A write, delete or invalidation in this process came after this load started; if it failed, the
            // generations did not move and would not stop this (possibly older) value.
            logger.debug("the key was written or invalidated during the load; not storing its result", metadata: ["key": "\(key.name)"])
            return answer(.miss)
        }
        let bytes: ByteBuffer
        do {
            bytes = try encode(value, for: key, loadTime: elapsed)
        } catch {
            releaseFillLease(key, token: lease)
            instruments.errors.increment()
            warnRateLimited("cache write after load failed", name: key.name, error: CacheError.wrapping(error, name: key.name, doing: "write").message)
            return answer(.miss)
        }
        // The store runs in its own task: the caller waits for it only with what is left of its Redis budget (so a
        // stalled write, such as a failover's pause, does not hold the answer), and the store goes on past that.
        // Its result is when it was sent, if it was accepted.
        let stored = SharedResult<ContinuousClock.Instant?>()
        Task {
            var acceptedAsOf: ContinuousClock.Instant?
            do {
                let sent = ContinuousClock.now
                let mode: StoreMode = generations.map { .fill($0, lease: lease) } ?? .set
                if try await self.store(bytes, key: key, ttl: ttl ?? key.ttl, mode: mode) {
                    acceptedAsOf = sent
                } else {
                    self.logger.debug("a write or invalidation happened during the load; not storing its result", metadata: ["key": "\(key.name)"])
                }
            } catch {
                instruments.errors.increment()
                self.warnRateLimited("cache write after load failed", name: key.name, error: CacheError.wrapping(error, name: key.name, doing: "write").message)
            }
            stored.complete(.success(acceptedAsOf))
        }
        // `try?` flattens: nil when the store was refused or failed.
        guard await stored.wait(atMost: budget.remaining(afterLoadStartedAt: start)), let acceptedAsOf = try? await stored.value() else {
            return answer(.miss)
        }
        return answer(.miss, currentAsOf: acceptedAsOf)
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
    /// In more detail, for tracing: a hit from process memory, or a value served while it is refreshed.
    var outcome: CacheOutcome
    /// Why Redis could not be read, for a bypass.
    var failure: CacheError?

    init(value: Value?, source: Source, outcome: CacheOutcome? = nil, failure: CacheError? = nil) {
        self.value = value
        self.source = source
        self.outcome = outcome ?? CacheOutcome(rawValue: source.rawValue) ?? .miss
        self.failure = failure
    }
}
