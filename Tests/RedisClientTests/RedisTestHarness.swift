import RedisTestSupport
import Testing

@testable import RedisClient

/// Starts a private redis-server and a client for one test, and shuts both down afterwards, whatever happens.
///
/// Timeouts are generous: tests run in parallel on a 2-core machine, next to CPU-heavy suites, and a deadline that
/// fires because the machine is busy would be a false failure. Tests about deadlines set their own.
func withRedis(
    arguments: [String] = [],
    pool: RedisPoolConfiguration = RedisPoolConfiguration(),
    _ body: (RedisServerProcess, RedisClient) async throws -> Void
) async throws {
    let server = try await RedisServerProcess.start(arguments: arguments)
    var configuration = try RedisConnectionConfiguration(url: server.url)
    configuration.connectTimeout = .seconds(10)
    configuration.commandTimeout = .seconds(10)
    let client = RedisClient(configuration: configuration, pool: pool)
    do {
        try await body(server, client)
    } catch {
        await client.shutdown()
        await server.stop()
        throw error
    }
    await client.shutdown()
    await server.stop()
}
