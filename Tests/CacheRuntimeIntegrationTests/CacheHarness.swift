import CacheRuntime
import Foundation
import MetricsTestKit
import RedisClient
import RedisTestSupport

/// A private redis-server, a client and a cache for one test; everything is shut down afterwards.
func withCache(
    readTimeout: Duration = .seconds(5),
    arguments: [String] = [],
    metrics: TestMetrics? = nil,
    _ body: (RedisServerProcess, RedisCache) async throws -> Void
) async throws {
    let server = try await RedisServerProcess.start(arguments: arguments)
    var configuration = try RedisConnectionConfiguration(url: server.url)
    configuration.connectTimeout = .seconds(10)
    configuration.commandTimeout = .seconds(10)
    let client = RedisClient(configuration: configuration, pool: RedisPoolConfiguration(initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200)))
    let cache = RedisCache(client: client, readTimeout: readTimeout, writeTimeout: .seconds(10), metricsFactory: metrics)
    do {
        try await body(server, cache)
    } catch {
        await client.shutdown()
        await server.stop()
        throw error
    }
    await client.shutdown()
    await server.stop()
}

/// Counts loader calls across tasks.
actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}
