import CacheSchemaRedis
import Hummingbird
import Prometheus

/// `GET /metrics`: every swift-metrics instrument of the process in Prometheus text format — the cache runtime's
/// `cache_hits_total{key="user"}`, `cache_misses_total`, `cache_loads_total`, `cache_errors_total`,
/// `cache_decode_failures_total`, `cache_load_duration_seconds` (labelled by schema key name), invalidation counters
/// by entity, and the Redis client's command counters.
struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry

    func response() -> Response {
        let text = registry.emitToBuffer()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }
}

/// `GET /health`: 200 whenever SQLite answers, even with Redis down — the service still answers correctly from
/// SQLite then (`X-Cache: bypass`), so a load balancer should keep it; the body says `"status": "degraded"` and why.
/// 503 only when SQLite (the source of truth) fails.
struct HealthCheck: Sendable {
    let database: ShopDatabase
    /// `nil` when the cache is bypassed on purpose.
    let redis: (any RedisKeyedClient)?
    /// Which Redis, for the body: a URL without password, or a cluster's seeds.
    let redisDescription: String

    struct Body: Encodable {
        struct Component: Encodable {
            var status: String
            var detail: String?
        }

        var status: String
        var sqlite: Component
        var redis: Component
    }

    func response() async -> Response {
        var sqlite = Body.Component(status: "up", detail: database.path)
        do {
            try await database.ping()
        } catch {
            sqlite = .init(status: "down", detail: "\(error)")
        }
        var redisStatus = Body.Component(status: "disabled", detail: "CACHE_BYPASS=1: reads go straight to SQLite")
        if let redis {
            do {
                _ = try await redis.ping(timeout: .milliseconds(500))
                redisStatus = .init(status: "up", detail: redisDescription)
            } catch {
                redisStatus = .init(status: "down", detail: "\(redisDescription): \(error)")
            }
        }
        let status = sqlite.status != "up" ? "down" : (redisStatus.status == "down" ? "degraded" : "ok")
        return JSONResponse.make(
            Body(status: status, sqlite: sqlite, redis: redisStatus),
            status: sqlite.status == "up" ? .ok : .serviceUnavailable)
    }
}
