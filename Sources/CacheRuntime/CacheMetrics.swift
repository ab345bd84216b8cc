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
    }

    private let factory: (any MetricsFactory)?
    let repairs: RepairInstruments
    private let keys = Mutex<[String: Instruments]>([:])
    private let entities = Mutex<[String: InvalidationInstruments]>([:])

    init(factory: (any MetricsFactory)?) {
        self.factory = factory
        let gauge = factory.map { Gauge(label: "cache_repairs_pending", factory: $0) } ?? Gauge(label: "cache_repairs_pending")
        func counter(_ result: String) -> Counter {
            let dimensions = [("result", result)]
            if let factory { return Counter(label: "cache_repairs_total", dimensions: dimensions, factory: factory) }
            return Counter(label: "cache_repairs_total", dimensions: dimensions)
        }
        repairs = RepairInstruments(pending: gauge, done: counter("done"), dropped: counter("dropped"))
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        if let factory { return Counter(label: label, dimensions: dimensions, factory: factory) }
        return Counter(label: label, dimensions: dimensions)
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> Timer {
        if let factory { return Timer(label: label, dimensions: dimensions, factory: factory) }
        return Timer(label: label, dimensions: dimensions)
    }

    func forKey(_ name: String) -> Instruments {
        keys.withLock { instruments in
            if let existing = instruments[name] { return existing }
            let dimensions = [("key", name)]
            let created = Instruments(
                hits: counter("cache_hits_total", dimensions),
                misses: counter("cache_misses_total", dimensions),
                loads: counter("cache_loads_total", dimensions),
                loadTime: timer("cache_load_duration_seconds", dimensions),
                decodeFailures: counter("cache_decode_failures_total", dimensions),
                errors: counter("cache_errors_total", dimensions))
            instruments[name] = created
            return created
        }
    }

    func forEntity(_ name: String) -> InvalidationInstruments {
        entities.withLock { instruments in
            if let existing = instruments[name] { return existing }
            let dimensions = [("entity", name)]
            let created = InvalidationInstruments(
                invalidations: counter("cache_invalidations_total", dimensions),
                keysRemoved: counter("cache_invalidated_keys_total", dimensions),
                errors: counter("cache_invalidation_errors_total", dimensions))
            instruments[name] = created
            return created
        }
    }
}
