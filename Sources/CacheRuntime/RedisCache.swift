import CacheSchemaRESP
import CacheSchemaRedis
import Logging
import Metrics
import NIOCore
import Synchronization
import Tracing

/// The cache over Redis that generated code's keys and invalidations run on: typed get / set / delete / exists /
/// multi-get, cache-aside with single-flight, write-through, and index-based invalidation.
///
/// ```swift
/// let cache = RedisCache(client: try RedisClient(url: "redis://127.0.0.1:6379"))
/// // or, on a Redis Cluster:
/// // RedisCache(client: try RedisClusterClient(seeds: ["10.0.0.1:6379"], configuration: RedisConnectionConfiguration()))
/// let user = try await cache.getOrSet(CacheKeys.user(userID: id)) { try await database.user(id) }
/// let invalidator = CacheInvalidator(cache)
/// try await invalidator.invalidateUser(userID: id)
/// ```
///
/// Reads have a short deadline (`readTimeout`) and fail open: `getOrSet` answers from its loader when Redis is slow
/// or down. Writes and invalidations throw ``CacheError`` so the caller knows the cache may be stale.
public final class RedisCache: Sendable, CacheInvalidating {
    /// The Redis client: one node (``RedisClient``) or a cluster (``RedisClusterClient``).
    public let client: any RedisKeyedClient
    /// The codec values are stored with.
    public let codec: any CacheCodec
    /// The deadline of reads (cache-aside lookups).
    public let readTimeout: Duration
    /// The deadline of writes and invalidations.
    public let writeTimeout: Duration
    /// How `getOrSet` shares one load of a missing key among processes; `nil`: each process loads on its own
    /// (single-flight still holds within a process).
    public let fillLease: CacheFillLease?
    let logger: Logger
    let metrics: CacheMetrics
    /// Where spans go, or `nil` for nowhere (then operations run without spans, at no cost).
    let activeTracer: (any Tracer)?
    let singleFlight = SingleFlight()
    let repairs: CacheRepairQueue
    /// When failed repairs are tried again.
    let repairPacer = CacheRepairPacer()
    private let fingerprints = Mutex<[FingerprintKey: UInt64]>([:])
    /// The codec identifier's bytes, compared with each stored envelope's.
    private let codecBytes: [UInt8]
    private let reportedDecodeFailures = Mutex<Set<String>>([])
    private let lastWarnings = Mutex<[String: ContinuousClock.Instant]>([:])
    private let generationChecksSkipped = Atomic<Bool>(false)
    /// Keys with a background refresh running in this process (see ``refreshInBackground(_:ttl:loader:)``).
    let refreshing = Mutex<Set<String>>([])
    /// How keys whose schema declares a near cache are kept coherent in process memory; `nil`: they are read from
    /// Redis like any other key (see ``init(client:codec:readTimeout:writeTimeout:fillLease:repairCapacity:nearCaching:logger:metricsFactory:tracer:)``).
    public let nearCaching: CacheNearCacheTracking?
    /// Decoded values of near-cached keys (``CacheNearCachePolicy``), and what keeps them coherent (`nil` with a
    /// client whose nodes it cannot track).
    let nearCache = CacheNearCache()
    let nearTracker: CacheNearCacheTracker?

    /// Test hook: fills and write-throughs store without comparing generation markers, as a cache without the
    /// no-stale guarantee would. The race harness sets it to show that its checker finds the stale reads that
    /// follow; never set it elsewhere.
    @_spi(Testing) public var skipsGenerationChecks: Bool {
        get { generationChecksSkipped.load(ordering: .relaxed) }
        set { generationChecksSkipped.store(newValue, ordering: .relaxed) }
    }

    /// Logs a warning at most once per `interval` for the same message and key name (the rest at debug level), so
    /// that an outage under load does not flood the logs with one line per request.
    func warnRateLimited(_ message: Logger.Message, name: String, error: String, interval: Duration = .seconds(10)) {
        let now = ContinuousClock.now
        let subject = "\(message)|\(name)"
        let due = lastWarnings.withLock { last -> Bool in
            if let previous = last[subject], now - previous < interval { return false }
            last[subject] = now
            return true
        }
        logger.log(level: due ? .warning : .debug, message, metadata: ["key": "\(name)", "error": "\(error)"])
    }

    /// How long the generation marker of an entity instance lives after a write or an invalidation: it must outlive
    /// any load that started before them, so that the load's stale result is not stored.
    static let generationLifetime: Duration = .seconds(600)

    /// Creates a cache.
    ///
    /// - Parameters:
    ///   - client: The Redis client: a ``RedisClient`` for one node, a ``RedisClusterClient`` for a cluster.
    ///   - codec: How values are encoded (JSON by default).
    ///   - readTimeout: Deadline of cache reads; past it, `getOrSet` serves from the loader.
    ///   - writeTimeout: Deadline of writes and invalidations.
    ///   - fillLease: How a missing key's load is shared among processes (see ``CacheFillLease``); `nil` turns the
    ///     lease off.
    ///   - repairCapacity: How many failed writes and invalidations are kept for retrying (see
    ///     ``pendingRepairCount``).
    ///   - nearCaching: How keys whose schema declares a near cache are kept coherent in process memory (see
    ///     ``CacheNearCacheTracking``); `nil` reads them from Redis like any other key and opens no tracking
    ///     connection (a switch for an incident without a new build, or for tests of the Redis path).
    ///   - logger: Cache events, labelled by schema key name; never concrete keys or values at info level.
    ///   - metricsFactory: Where metrics go; the global `MetricsSystem` when `nil`.
    ///   - tracer: Where spans of cache operations go; when `nil`, the tracer bootstrapped in `InstrumentationSystem`
    ///     by the time the cache is created (bootstrap tracing first, as at the start of `main`); with none, tracing
    ///     costs nothing.
    public init(
        client: some RedisKeyedClient,
        codec: any CacheCodec = JSONCacheCodec(),
        readTimeout: Duration = .milliseconds(250),
        writeTimeout: Duration = .seconds(1),
        fillLease: CacheFillLease? = CacheFillLease(),
        repairCapacity: Int = 10_000,
        nearCaching: CacheNearCacheTracking? = CacheNearCacheTracking(),
        logger: Logger = Logger(label: "cache-schema.cache"),
        metricsFactory: (any MetricsFactory)? = nil,
        tracer: (any Tracer)? = nil
    ) {
        // Resolved once: looking the tracer up in `InstrumentationSystem` costs a dynamic cast per call, as much as
        // a near-cache hit itself.
        let bootstrapped = InstrumentationSystem.tracer
        self.activeTracer = tracer ?? (bootstrapped is NoOpTracer ? nil : bootstrapped)
        self.client = client
        self.codec = codec
        self.codecBytes = Array(codec.identifier.utf8.prefix(255))
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.fillLease = fillLease
        self.repairs = CacheRepairQueue(capacity: repairCapacity)
        self.logger = logger
        self.metrics = CacheMetrics(factory: metricsFactory)
        let nearCache = self.nearCache
        self.nearCaching = nearCaching
        self.nearTracker = nearCaching.flatMap { checks in
            CacheTrackedNodes(client).map { CacheNearCacheTracker(nodes: $0, checks: checks, nearCache: nearCache, logger: logger) }
        }
    }

    /// Runs one of the runtime's scripts on the node holding its keys. On a cluster they must share a slot: a
    /// ``RedisCrossSlotError`` is thrown before anything is sent when they do not.
    func runScript(_ script: RedisScript, keys: [String], values: [any RESPArgument], timeout: Duration) async throws -> RESPValue {
        try await client.routed(byKeys: keys).run(script, keys: keys, values: values, timeout: timeout)
    }

    // MARK: Reads

    /// Reads a key: a hit, a miss, or a miss with the error that prevented the read.
    ///
    /// A stored value that does not decode as `Value` (written by an older deploy, or a list or a hash put there by
    /// another program) is a miss; it is logged once per key name and overwritten by the next `set` or `getOrSet`.
    ///
    /// A key whose schema declares a near cache is answered from process memory when held there, and kept there
    /// after a read from Redis, as in ``getOrSet(_:ttl:loader:)``.
    public func get<Value: Codable & Sendable>(_ key: CacheKey<Value>) async -> CacheLookup<Value> {
        let instruments = metrics.forKey(key.name)
        var near: CacheNearCachePolicy?
        if key.descriptor.nearCache != nil {
            if let value = nearCache.value(key) { return .hit(value) }
            near = nearPolicy(key)
            if near != nil { instruments.nearMisses.increment() }
        }
        if let pending = repairPending(key) { return .missWithError(pending) }
        do {
            if let near { return try await readKeepingNear(key, policy: near, instruments: instruments) }
            let buffer = try await client.routed(by: key.rawValue).get(key.rawValue, timeout: readTimeout)
            redisAnswered()
            guard let buffer else {
                instruments.misses.increment()
                return .miss
            }
            return decode(buffer, for: key, instruments: instruments)
        } catch {
            if Self.isWrongType(error) {
                countForeignValue(key.name, instruments: instruments)
                return .miss
            }
            instruments.errors.increment()
            let cacheError = CacheError.wrapping(error, name: key.name, doing: "read")
            warnRateLimited("cache read failed", name: key.name, error: cacheError.message)
            return .missWithError(cacheError)
        }
    }

    /// Reads many keys in one round trip (`MGET`), one lookup per key, in order.
    ///
    /// Keys held in the near cache are answered from process memory; the others are read from Redis and not kept
    /// there (keeping needs each key's remaining TTL: read hot keys one by one with the single-key `get`).
    public func get<Value: Codable & Sendable>(_ keys: [CacheKey<Value>]) async -> [CacheLookup<Value>] {
        guard !keys.isEmpty else { return [] }
        let held = keys.map { key in key.descriptor.nearCache == nil ? nil : nearCache.value(key) }
        let missing = keys.indices.filter { held[$0] == nil }
        guard !missing.isEmpty else { return held.map { .hit($0!) } }
        let read = await getFromRedis(missing.map { keys[$0] })
        var lookups = held.map { $0.map(CacheLookup.hit) }
        for (index, lookup) in zip(missing, read) { lookups[index] = lookup }
        return lookups.map { $0! }
    }

    private func getFromRedis<Value: Codable & Sendable>(_ keys: [CacheKey<Value>]) async -> [CacheLookup<Value>] {
        do {
            let buffers = try await client.mget(keys.map(\.rawValue), timeout: readTimeout)
            redisAnswered()
            return zip(keys, buffers).map { key, buffer in
                if let pending = repairPending(key) { return .missWithError(pending) }
                let instruments = metrics.forKey(key.name)
                guard let buffer else {
                    instruments.misses.increment()
                    return .miss
                }
                return decode(buffer, for: key, instruments: instruments)
            }
        } catch {
            let name = keys[0].name
            metrics.forKey(name).errors.increment()
            let cacheError = CacheError.wrapping(error, name: name, doing: "multi-get")
            warnRateLimited("cache read failed", name: name, error: cacheError.message)
            return keys.map { _ in .missWithError(cacheError) }
        }
    }

    /// Whether the key exists.
    ///
    /// - Throws: ``CacheError``: of kind ``CacheError/Kind/repairPending`` without asking Redis when an earlier write,
    ///   delete or invalidation of the key failed and is being retried (its stored value may be older than the source
    ///   and reads do not return it: `get` reports the same error as a miss); otherwise of kind
    ///   ``CacheError/Kind/redis`` when Redis could not answer.
    public func exists<Value>(_ key: CacheKey<Value>) async throws -> Bool {
        if let pending = repairPending(key) { throw pending }
        do {
            return try await client.routed(by: key.rawValue).exists([key.rawValue], timeout: readTimeout) == 1
        } catch {
            metrics.forKey(key.name).errors.increment()
            throw CacheError.wrapping(error, name: key.name, doing: "exists")
        }
    }

    /// An error when a repair of the key (or of an instance owning it) is pending: its cached value may be older than
    /// the source, so it must not be read.
    func repairPending<Value>(_ key: CacheKey<Value>) -> CacheError? {
        guard repairs.blocks(key: key.rawValue, owners: key.owners, namespace: key.descriptor.namespace) else { return nil }
        return CacheError(.repairPending, name: key.name, "an earlier write or invalidation of this key failed and is being retried; its cached value may be stale, so it is not read")
    }

    /// Decodes a stored value. `countMisses: false` counts only a hit: for a first look whose miss is counted by the
    /// read that follows it.
    func decode<Value: Codable & Sendable>(
        _ buffer: ByteBuffer, for key: CacheKey<Value>, instruments: CacheMetrics.Instruments, countMisses: Bool = true
    ) -> CacheLookup<Value> {
        decodeTimed(buffer, for: key, instruments: instruments, countMisses: countMisses).lookup
    }

    /// ``decode(_:for:instruments:countMisses:)``, and how long the value's load took when its envelope says
    /// (version 2, see ``CacheEnvelope``).
    func decodeTimed<Value: Codable & Sendable>(
        _ buffer: ByteBuffer, for key: CacheKey<Value>, instruments: CacheMetrics.Instruments, countMisses: Bool = true
    ) -> (lookup: CacheLookup<Value>, loadMilliseconds: UInt32?) {
        switch CacheEnvelope.unwrap(buffer, codec: codecBytes, fingerprint: fingerprint(for: key)) {
        case .failure(let mismatch):
            if countMisses {
                reportDecodeFailure(key.name, reason: mismatch.description)
                instruments.decodeFailures.increment()
                instruments.misses.increment()
            }
            return (.miss, nil)
        case .success(let unwrapped):
            do {
                let value = try codec.decode(Value.self, from: unwrapped.payload)
                instruments.hits.increment()
                return (.hit(value), unwrapped.loadMilliseconds)
            } catch {
                if countMisses {
                    reportDecodeFailure(key.name, reason: "the value no longer decodes as \(Value.self)")
                    instruments.decodeFailures.increment()
                    instruments.misses.increment()
                }
                return (.miss, nil)
            }
        }
    }

    /// Whether a read failed because the key holds a non-string Redis value (a list, a hash), which this cache never
    /// writes: that is a miss, not an outage.
    static func isWrongType(_ error: any Error) -> Bool {
        (error as? RedisError)?.server?.code == .wrongType
    }

    /// Counts a non-string value under a key as an unreadable value (a decode failure and a miss), logged once per
    /// key name; the next fill's `SET` replaces it.
    func countForeignValue(_ name: String, instruments: CacheMetrics.Instruments) {
        reportDecodeFailure(name, reason: "the key holds a non-string Redis value (a list, a set, a hash, …)")
        instruments.decodeFailures.increment()
        instruments.misses.increment()
    }

    private func reportDecodeFailure(_ name: String, reason: String) {
        let first = reportedDecodeFailures.withLock { $0.insert(name).inserted }
        if first {
            logger.warning("cached value is unreadable; treating it as a miss and overwriting it", metadata: ["key": "\(name)", "reason": "\(reason)"])
        }
    }

    struct FingerprintKey: Hashable, Sendable {
        let name: String
        let type: ObjectIdentifier
    }

    func fingerprint<Value>(for key: CacheKey<Value>) -> UInt64 {
        let lookup = FingerprintKey(name: key.name, type: ObjectIdentifier(Value.self))
        if let known = fingerprints.withLock({ $0[lookup] }) { return known }
        let computed = CacheEnvelope.fingerprint(keyName: key.name, valueType: Value.self)
        fingerprints.withLock { $0[lookup] = computed }
        return computed
    }

    /// Encodes a value in its envelope: version 2 with `loadTime` (0 when written, not loaded) for a key with early
    /// refresh, which needs it; version 1 otherwise, which every deployed version reads.
    func encode<Value: Codable & Sendable>(_ value: Value, for key: CacheKey<Value>, loadTime: Duration? = nil) throws -> ByteBuffer {
        do {
            let payload = try codec.encode(value)
            let milliseconds = key.descriptor.freshness.earlyRefresh == nil ? nil : UInt32(clamping: Self.milliseconds(loadTime ?? .zero, minimum: 0))
            return ByteBuffer(bytes: CacheEnvelope.wrap(payload, codec: codec.identifier, fingerprint: fingerprint(for: key), loadMilliseconds: milliseconds))
        } catch {
            throw CacheError(.encoding, name: key.name, "cannot encode the value with codec '\(codec.identifier)': \(error)")
        }
    }

    // MARK: Writes

    /// Stores a value with the key's TTL (or `ttl`, millisecond precision), indexing it under every entity instance
    /// that owns it, in one atomic step; and marks those instances as changed, so that a load that read the cache
    /// before this write does not overwrite it with older data. A `getOrSet` of the key that comes after this call
    /// starts its own load instead of sharing one that started before (see ``getOrSet(_:ttl:loader:)``).
    ///
    /// - Throws: ``CacheError``. The key may then hold an older value: the cache deletes it as soon as Redis allows
    ///   (see ``pendingRepairCount``) and, until then, does not read it.
    public func set<Value: Codable & Sendable>(_ key: CacheKey<Value>, _ value: Value, ttl: Duration? = nil) async throws {
        supersedeFlights(of: key)
        defer { dropNear([key.rawValue], name: key.name) }
        do {
            let bytes = try encode(value, for: key)
            _ = try await store(bytes, key: key, ttl: ttl ?? key.ttl, mode: .set)
        } catch {
            metrics.forKey(key.name).errors.increment()
            recordKeyRepair(key)
            throw CacheError.wrapping(error, name: key.name, doing: "write")
        }
    }

    /// Deletes a key and bumps its generation markers, so that a load that read the cache before the delete does not
    /// store its older result afterwards, nor share it with callers that come after the delete. Whether it existed.
    ///
    /// - Throws: ``CacheError``; the delete is then retried as soon as Redis allows, and the key is not read until
    ///   it succeeds.
    @discardableResult
    public func delete<Value>(_ key: CacheKey<Value>) async throws -> Bool {
        supersedeFlights(of: key)
        defer { dropNear([key.rawValue], name: key.name) }
        do {
            return try await deleteAndBump(
                key: key.rawValue, indexKeys: CacheIndexKeys.indexes(of: key), generationKeys: CacheIndexKeys.generations(of: key),
                foreignGenerationKeys: CacheIndexKeys.foreignGenerations(of: key))
        } catch {
            metrics.forKey(key.name).errors.increment()
            recordKeyRepair(key)
            throw CacheError.wrapping(error, name: key.name, doing: "delete")
        }
    }

    /// Deletes every key matching a glob, with SCAN and UNLINK in batches (never `KEYS`). Returns how many keys were
    /// removed. Build the glob with ``CacheGlob`` so that parameter values match literally.
    ///
    /// Call it after changing the source: it first bumps the pattern marker of the glob's namespace, so that a
    /// `getOrSet` that read the cache before cannot store its older result behind the scan, even for a key owned by
    /// an entity this call knows nothing of. The namespace is the one the glob was built with
    /// (``CacheGlob/init(namespace:)``), or else its first segment: start the glob with the namespace written out,
    /// and use `init(namespace:)` when the namespace contains `:` (a glob with a wildcard in its first segment fences
    /// only keys without a namespace). The runtime's own keys (a segment starting with `~`) are not deleted.
    ///
    /// - Throws: ``CacheError``; the deletion is then retried as soon as Redis allows, and until it succeeds this
    ///   process does not read matching keys from the cache.
    @discardableResult
    public func deletePattern(_ glob: CacheGlob, batchSize: Int = 1000) async throws -> Int {
        dropNear(matching: glob)
        defer { dropNear(matching: glob) }
        do {
            try await bumpPatternGeneration(for: glob.pattern, namespace: glob.namespace)
            return try await scanAndUnlink(glob.pattern, batchSize: batchSize)
        } catch {
            recordRepair(.deletePattern(glob: glob.pattern, namespace: glob.namespace))
            throw CacheError.wrapping(error, name: CacheRepairQueue.Action.patternDeletionName, doing: "pattern delete")
        }
    }

    /// SCAN + UNLINK of a glob's keys in batches, skipping the runtime's own keys: deleting a generation or pattern
    /// marker would let a fill that read it absent store behind a writer.
    func scanAndUnlink(_ pattern: String, batchSize: Int) async throws -> Int {
        var removed = 0
        var batch: [String] = []
        batch.reserveCapacity(batchSize)
        for try await buffer in try await client.scanPrimaries(match: pattern, count: batchSize, timeout: writeTimeout) {
            let key = String(buffer: buffer)
            if key.hasPrefix("~") || key.contains(":~") { continue }
            batch.append(key)
            if batch.count >= batchSize {
                removed += try await client.unlink(batch, timeout: writeTimeout)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { removed += try await client.unlink(batch, timeout: writeTimeout) }
        return removed
    }
}
