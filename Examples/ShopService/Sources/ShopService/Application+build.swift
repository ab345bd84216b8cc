import CacheRuntime
import CacheSchemaRedis
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Tracing

/// Builds the service from its settings, as Hummingbird's template does: SQLite at `configuration.databasePath`
/// (created and seeded on first open), the cache over the Redis at `configuration.redisURL` (none when
/// `configuration.cacheBypass` is set or no URL is given), or over a Redis Cluster when `configuration.redisClusterNodes`
/// names its seeds, the routes of SPEC §7, and the HTTP server on
/// `host:port`. `main` runs it; the tests drive its router with `app.test(.router)`.
///
/// When a tracer is set up (``TraceExport``, or a test's `withTracer`), every request gets a server span from
/// Hummingbird's `TracingMiddleware`, and the cache's spans, which go to the same tracer, are its children.
///
/// - Parameters:
///   - registry: Where `/metrics` reads from and the cache's metrics go. `main` passes the registry it made the
///     process's metrics backend, so that the Redis client's metrics show too; a test passes a fresh one.
///   - services: Services to run beside the server, started before it and stopped after it and after the Redis
///     client (the trace exporter, so that it still sends the last requests' spans).
/// - Throws: ``Configuration/Invalid`` for a `REDIS_URL` or `REDIS_CLUSTER_NODES` that does not parse; SQLite's error when the database cannot
///   be opened.
func buildApplication(
    configuration: Configuration, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), services: [any Service] = []
) async throws -> some ApplicationProtocol {
    let level = Logger.Level(rawValue: configuration.logLevel.lowercased()) ?? .info
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
    let serviceLogger = logger("shop-service")

    var client: (any RedisKeyedClient)?
    var redisDescription = ""
    if !configuration.cacheBypass, let seeds = configuration.redisClusterNodes {
        do {
            // REDIS_URL, when set beside the seeds, gives the credentials and TLS of every node.
            let connection = try configuration.redisURL.map { try RedisConnectionConfiguration(url: $0) } ?? RedisConnectionConfiguration()
            client = try RedisClusterClient(seeds: seeds, configuration: connection, logger: logger("shop-service.redis"))
        } catch {
            throw Configuration.Invalid(description: "REDIS_CLUSTER_NODES: \(error)")
        }
        redisDescription = "Redis Cluster (seeds \(seeds.joined(separator: ", ")))"
        serviceLogger.info("caching in a Redis Cluster", metadata: ["seeds": "\(seeds.joined(separator: ","))"])
    } else if !configuration.cacheBypass, let redisURL = configuration.redisURL {
        do {
            let single = try RedisClient(url: redisURL, logger: logger("shop-service.redis"))
            redisDescription = single.configuration.description
            client = single
        } catch {
            throw Configuration.Invalid(description: "REDIS_URL: \(error)")
        }
        serviceLogger.info("caching in Redis", metadata: ["redis": "\(redisDescription)"])
    }
    let cache = client.map {
        RedisCache(
            client: $0, readTimeout: configuration.cacheReadTimeout, writeTimeout: configuration.cacheWriteTimeout,
            nearCaching: configuration.nearCaching ? CacheNearCacheTracking() : nil, logger: logger("shop-service.cache"), metricsFactory: PrometheusMetricsFactory(registry: registry))
    }

    let database = try await ShopDatabase.open(
        path: configuration.databasePath, readDelay: configuration.readDelay, logger: logger("shop-service.sqlite"))
    if configuration.readDelay > .zero {
        serviceLogger.notice("every SQLite read waits \(configuration.readDelay) first (SQLITE_READ_DELAY_MS), as a database across a network would")
    }
    let api = ShopAPI(
        database: database,
        cache: ShopCache(cache: cache, logger: serviceLogger),
        health: HealthCheck(database: database, redis: client, redisDescription: redisDescription),
        metrics: MetricsEndpoint(registry: registry))
    let router = Router()
    // Outermost, so that a request's span covers everything and records the status the client gets. Without a tracer
    // it is left out: a span per request into the no-op tracer would cost for nothing.
    if !(InstrumentationSystem.tracer is NoOpTracer) {
        router.add(middleware: TracingMiddleware())
    }
    api.register(on: router)

    let host = configuration.host
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(host, port: configuration.port), serverName: "ShopService"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            serviceLogger.info("ShopService listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        },
        logger: serviceLogger)
    // The Redis client's upkeep (health checks, reconnects, graceful close) runs beside the HTTP server; SQLite closes
    // once the server has stopped taking requests. Services stop in reverse order, the HTTP server first.
    app.addServices(services)
    if let client { app.addServices(client) }
    app.addServices(DatabaseClosing(database: database))
    return app
}

/// Closes SQLite when the application shuts down gracefully (services stop in reverse order, the HTTP server first).
struct DatabaseClosing: Service {
    let database: ShopDatabase

    func run() async throws {
        try? await gracefulShutdown()
        await database.close()
    }
}
