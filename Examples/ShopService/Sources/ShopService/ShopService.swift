import CacheRuntime
import CacheSchemaRedis
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

/// The example service: `swift run --package-path Examples/ShopService ShopService` from the repository root.
///
/// Start-up: read the environment (see ``Configuration``), pick the Redis to use, open (and on first start create and
/// seed) SQLite, then serve HTTP until SIGINT or SIGTERM, and stop the private Redis if it started one.
@main
struct ShopServiceMain {
    static func main() async {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromEnvironment()
        } catch {
            fail("ShopService: \(error)", status: 2)
        }
        let level = Logger.Level(rawValue: configuration.logLevel.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        // Every swift-metrics instrument of the process (the cache runtime's, the Redis client's) goes to one
        // Prometheus registry, which `GET /metrics` renders.
        let registry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(metricsFactory)
        let logger = Logger(label: "shop-service")

        var privateRedis: PrivateRedis?
        var redisURL: String?
        if configuration.cacheBypass {
            logger.notice("CACHE_BYPASS=1: no Redis; every read goes to SQLite")
        } else if let url = configuration.redisURL {
            redisURL = url
        } else if PrivateRedis.canConnect(port: 6379) {
            // The documented default: a Redis already runs on the standard port.
            redisURL = Configuration.defaultRedisURL
        } else if let executable = PrivateRedis.executable() {
            do {
                let server = try PrivateRedis.start(executable: executable)
                logger.info("REDIS_URL is not set and nothing listens on 6379: started a private redis-server (no persistence, stopped on exit)", metadata: ["url": "\(server.url)"])
                privateRedis = server
                redisURL = server.url
            } catch {
                fail("ShopService: \(error)", status: 1)
            }
        } else {
            fail("ShopService needs Redis: install it (apt-get install redis-server) or set REDIS_URL=redis://HOST:PORT", status: 1)
        }

        do {
            try await run(configuration, redisURL: redisURL, metricsFactory: metricsFactory, registry: registry, logger: logger)
        } catch {
            logger.error("ShopService stopped", metadata: ["error": "\(error)"])
            privateRedis?.stop()
            exit(1)
        }
        privateRedis?.stop()
    }

    static func run(
        _ configuration: Configuration, redisURL: String?, metricsFactory: PrometheusMetricsFactory,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        var client: RedisClient?
        if let redisURL {
            do {
                client = try RedisClient(url: redisURL, logger: Logger(label: "shop-service.redis"))
            } catch {
                fail("ShopService: REDIS_URL: \(error)", status: 2)
            }
            logger.info("caching in Redis", metadata: ["redis": "\(client!.configuration)"])
        }
        let cache = client.map { RedisCache(client: $0, logger: Logger(label: "shop-service.cache"), metricsFactory: metricsFactory) }

        let database = try await ShopDatabase.open(
            path: configuration.databasePath, readDelay: configuration.readDelay, logger: Logger(label: "shop-service.sqlite"))
        if configuration.readDelay > .zero {
            logger.notice("every SQLite read waits \(configuration.readDelay) first (SQLITE_READ_DELAY_MS), as a database across a network would")
        }
        let api = ShopAPI(
            database: database,
            cache: ShopCache(cache: cache, logger: logger),
            health: HealthCheck(database: database, redis: client),
            metrics: MetricsEndpoint(registry: registry))
        let router = Router()
        api.register(on: router)

        let host = configuration.host
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "ShopService"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info("ShopService listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            },
            logger: logger)
        // The Redis client's upkeep (health checks, reconnects, graceful close) runs beside the HTTP server.
        if let client { app.addServices(client) }
        try await app.runService()
        await database.close()
    }

    /// Prints one line to standard error and exits.
    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}
