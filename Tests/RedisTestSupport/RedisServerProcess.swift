@_exported import CacheSchemaLocalRedis

/// A test's private `redis-server`: the shared ``LocalRedisServer`` of `CacheSchemaLocalRedis` (which the benchmarks
/// and the example service use too), under the name the tests use. Tests talk to a real Redis; `.ci/run` installs it.
public typealias RedisServerProcess = LocalRedisServer

extension LocalRedisServer {
    /// Starts a server for a test: `DEBUG` allowed (tests fill servers with `DEBUG POPULATE` and stall them with
    /// `DEBUG SLEEP`), once the test process's log handler is installed (see ``TestLogging``), so that the clients the
    /// test then creates log only when asked.
    ///
    /// - Parameters:
    ///   - arguments: More `redis-server` options (`["--requirepass", "secret"]`).
    ///   - port: A fixed port; by default a free one.
    public static func start(arguments: [String] = [], port: Int? = nil) async throws(LocalRedisError) -> LocalRedisServer {
        TestLogging.bootstrap()
        return try await LocalRedisServer(
            arguments: ["--enable-debug-command", "yes"] + arguments, port: port, folderPrefix: "redis-test")
    }
}
