import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The example service: `swift run --package-path Examples/ShopService ShopService` from the repository root.
///
/// Start-up: read the environment (see ``Configuration``), set up logging, metrics and, when built and configured for
/// it, the export of traces (``TraceExport``) for the process, pick the Redis to use (``PrivateRedis``), build the
/// application (``buildApplication(configuration:registry:services:)``), then serve HTTP until SIGINT or SIGTERM, and
/// stop the private Redis if it started one.
@main
struct ShopServiceMain {
    static func main() async {
        var configuration: Configuration
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
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "shop-service")
        // The tracer comes before anything that could start a span; the cache takes the process's tracer by default.
        let traceExport: (any Service)?
        do {
            traceExport = try TraceExport.bootstrap(environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch {
            fail("ShopService: cannot export traces: \(error)", status: 2)
        }

        var privateRedis: PrivateRedis.Choice?
        if configuration.cacheBypass {
            logger.notice("CACHE_BYPASS=1: no Redis; every read goes to SQLite")
        } else if configuration.redisURL == nil && configuration.redisClusterNodes == nil {
            do {
                let choice = try await PrivateRedis.choose(logger: logger)
                configuration.redisURL = choice.url
                privateRedis = choice
            } catch {
                fail(error.description, status: 1)
            }
        }

        do {
            let app = try await buildApplication(configuration: configuration, registry: registry, services: traceExport.map { [$0] } ?? [])
            try await app.runService()
        } catch let error as Configuration.Invalid {
            await privateRedis?.server?.stop()
            fail("ShopService: \(error)", status: 2)
        } catch {
            logger.error("ShopService stopped", metadata: ["error": "\(error)"])
            await privateRedis?.server?.stop()
            exit(1)
        }
        await privateRedis?.server?.stop()
    }

    /// Prints one line to standard error and exits.
    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}
