import ShopLoad

/// The counters of the service's `GET /metrics` that a fault run reads: the cache runtime's repair queue and the
/// Redis client's circuit breaker.
struct ServiceMetrics: Sendable {
    /// `cache_repairs_pending`: failed writes and invalidations waiting to be carried out again.
    var repairsPending = 0
    /// `cache_repairs_total{result="done"}` and `{result="dropped"}`.
    var repairsDone = 0
    var repairsDropped = 0
    /// `redis_client_circuit_opened_total`, every node's.
    var breakerOpenings = 0

    /// Repairs queued between `earlier` and this reading: those carried out or dropped since, and the change in those
    /// still pending.
    func repairsQueued(since earlier: ServiceMetrics) -> Int {
        (repairsDone - earlier.repairsDone) + (repairsDropped - earlier.repairsDropped) + (repairsPending - earlier.repairsPending)
    }

    /// Reads the service's metrics (on a thread of its own: the request blocks).
    static func read(host: String, port: Int) async throws -> ServiceMetrics {
        let text = try await onThread {
            let connection = HTTPConnection(host: host, port: port, timeout: .seconds(30))
            defer { connection.disconnect() }
            let reply = try connection.request("GET", "/metrics")
            guard reply.status == 200 else { throw HTTPConnection.Failure(description: "GET /metrics answered \(reply.status)") }
            return reply.text
        }
        return parse(text)
    }

    /// Sums the series of each metric this reads (Prometheus text format; comment lines skipped).
    static func parse(_ text: String) -> ServiceMetrics {
        var metrics = ServiceMetrics()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let name = series.prefix { $0 != "{" }
            switch name {
            case "cache_repairs_pending": metrics.repairsPending += Int(value)
            case "cache_repairs_total" where series.contains(#"result="done""#): metrics.repairsDone += Int(value)
            case "cache_repairs_total" where series.contains(#"result="dropped""#): metrics.repairsDropped += Int(value)
            case "redis_client_circuit_opened_total": metrics.breakerOpenings += Int(value)
            default: break
            }
        }
        return metrics
    }
}
