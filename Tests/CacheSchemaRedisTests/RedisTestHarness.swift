import NIOPosix
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Starts a private redis-server and a client for one test, and shuts both down afterwards, whatever happens.
///
/// Timeouts are generous: tests run in parallel on a 2-core machine, next to CPU-heavy suites, and a deadline that
/// fires because the machine is busy would be a false failure. Tests about deadlines set their own.
///
/// `configure` adjusts the connection configuration (a test about deadlines sets its own).
func withRedis(
    arguments: [String] = [],
    pool: RedisPoolConfiguration = RedisPoolConfiguration(),
    configure: (inout RedisConnectionConfiguration) -> Void = { _ in },
    _ body: (RedisServerProcess, RedisClient) async throws -> Void
) async throws {
    let server = try await RedisServerProcess.start(arguments: arguments)
    var configuration = try testConfiguration(url: server.url)
    configure(&configuration)
    // An event loop of the test's own: a test that keeps its loop busy (a 10 MB value in a debug build) must not
    // delay the replies and deadlines of the tests running beside it.
    let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let client = RedisClient(configuration: configuration, pool: pool, eventLoopGroup: eventLoops)
    do {
        try await body(server, client)
    } catch {
        await client.shutdown()
        await server.stop()
        try? await eventLoops.shutdownGracefully()
        throw error
    }
    await client.shutdown()
    await server.stop()
    try await eventLoops.shutdownGracefully()
}

/// A configuration for `url` with the generous deadlines tests use (see ``withRedis(arguments:pool:_:)``).
func testConfiguration(url: String) throws -> RedisConnectionConfiguration {
    var configuration = try RedisConnectionConfiguration(url: url)
    configuration.connectTimeout = .seconds(30)
    configuration.commandTimeout = .seconds(30)
    return configuration
}
