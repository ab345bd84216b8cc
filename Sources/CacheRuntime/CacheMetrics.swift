import Metrics
import Synchronization

/// swift-metrics instruments per schema key name (a bounded label: the schema's own names, never concrete keys).
final class CacheMetrics: Sendable {
    struct Instruments: Sendable {
        let hits: Counter
        let misses: Counter
        let loads: Counter
        let loadTime: Timer
        let decodeFailures: Counter
        let errors: Counter
        /// Callers that waited for another process's load of the key (``CacheFillLease``).
        let leaseWaits: Counter
        /// Lease waits that ran out (``CacheFillLease/maximumWait``) or saw the holder's lease expire (a holder too slow
        /// or dead): the fleet may then load a key more than once.
        let leaseTimeouts: Counter
        /// Background refreshes started (``CacheFreshness``: early refresh or a stale value served).
        let refreshes: Counter
        /// Hits served from a stale-while-revalidate window.
        let staleHits: Counter
        /// Near-cache lookups answered from process memory, and those that went on to Redis.
        let nearHits: Counter
        let nearMisses: Counter
        /// Near-cache entries evicted for room, and dropped by an invalidation (a push from Redis or a write here).
        let nearEvictions: Counter
        let nearInvalidations: Counter
    }

    struct InvalidationInstruments: Sendable {
        let invalidations: Counter
        let keysRemoved: Counter
        let errors: Counter
    }

    /// Repairs of writes and invalidations that failed (see `CacheRepairQueue`).
    struct RepairInstruments: Sendable {
        let pending: Gauge
        let done: Counter
        let dropped: Counter
        /// Attempts that Redis refused or did not answer: rising while repairs stay pending means Redis takes no
        /// writes (down, or out of memory) and this process keeps those keys bypassed.
        let failedAttempts: Counter
    }

    private let factory: (any MetricsFactory)?
    let repairs: RepairInstruments
    private let keys = Mutex<[String: Instruments]>([:])
    private let entities = Mutex<[String: InvalidationInstruments]>([:])

    init(factory: (any MetricsFactory)?) {
        self.factory = factory
        repairs = RepairInstruments(
            pending: factory.map { Gauge(label: "cache_repairs_pending", factory: $0) } ?? Gauge(label: "cache_repairs_pending"),
            done: Self.counter("cache_repairs_total", [("result", "done")], factory),
            dropped: Self.counter("cache_repairs_total", [("result", "dropped")], factory),
            failedAttempts: Self.counter("cache_repair_attempts_failed_total", [], factory))
    }

    private static func counter(_ label: String, _ dimensions: [(String, String)], _ factory: (any MetricsFactory)?) -> Counter {
        if let factory { return Counter(label: label, dimensions: dimensions, factory: factory) }
        return Counter(label: label, dimensions: dimensions)
    }

    private static func timer(_ label: String, _ dimensions: [(String, String)], _ factory: (any MetricsFactory)?) -> Timer {
        if let factory { return Timer(label: label, dimensions: dimensions, factory: factory) }
        return Timer(label: label, dimensions: dimensions)
    }

    func forKey(_ name: String) -> Instruments {
        keys.withLock { instruments in
            if let existing = instruments[name] { return existing }
            let dimensions = [("key", name)]
            let created = Instruments(
                hits: Self.counter("cache_hits_total", dimensions, factory),
                misses: Self.counter("cache_misses_total", dimensions, factory),
                loads: Self.counter("cache_loads_total", dimensions, factory),
                loadTime: Self.timer("cache_load_duration_seconds", dimensions, factory),
                decodeFailures: Self.counter("cache_decode_failures_total", dimensions, factory),
                errors: Self.counter("cache_errors_total", dimensions, factory),
                leaseWaits: Self.counter("cache_lease_waits_total", dimensions, factory),
                leaseTimeouts: Self.counter("cache_lease_timeouts_total", dimensions, factory),
                refreshes: Self.counter("cache_refreshes_total", dimensions, factory),
                staleHits: Self.counter("cache_stale_hits_total", dimensions, factory),
                nearHits: Self.counter("cache_near_hits_total", dimensions, factory),
                nearMisses: Self.counter("cache_near_misses_total", dimensions, factory),
                nearEvictions: Self.counter("cache_near_evictions_total", dimensions, factory),
                nearInvalidations: Self.counter("cache_near_invalidations_total", dimensions, factory))
            instruments[name] = created
            return created
        }
    }

    func forEntity(_ name: String) -> InvalidationInstruments {
        entities.withLock { instruments in
            if let existing = instruments[name] { return existing }
            let dimensions = [("entity", name)]
            let created = InvalidationInstruments(
                invalidations: Self.counter("cache_invalidations_total", dimensions, factory),
                keysRemoved: Self.counter("cache_invalidated_keys_total", dimensions, factory),
                errors: Self.counter("cache_invalidation_errors_total", dimensions, factory))
            instruments[name] = created
            return created
        }
    }
}
