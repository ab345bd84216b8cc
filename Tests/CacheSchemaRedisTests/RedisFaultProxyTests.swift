import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The client behind `FaultProxy` (a real redis-server, the path to it broken on demand): a blackholed link opens the
/// circuit breaker and a healed one closes it; a pool whose connections were reset reconnects once the link passes.
/// The bounds are loose for a loaded machine; the example's fault matrix measures the times.
@Suite struct RedisFaultProxyTests {
    @Test func aBlackholedLinkOpensTheBreakerAndAHealedOneClosesIt() async throws {
        let server = try await RedisServerProcess.start()
        let proxy = try await FaultProxy(upstreamPort: server.port)
        var configuration = try RedisConnectionConfiguration(url: proxy.url)
        configuration.commandTimeout = .milliseconds(300)
        configuration.connectTimeout = .milliseconds(300)
        let client = RedisClient(configuration: configuration)
        // The short deadlines are for the blackhole; on a loaded machine the first connect through the proxy can take
        // longer than 300 ms (a fresh-clone CI run saw the first PING time out), so wait for the link to be up first.
        try await waitUntil("the link answers", timeout: .seconds(30)) { (try? await client.ping()) == "PONG" }

        await proxy.setMode(.blackhole)
        for _ in 0..<3 { await #expect(throws: RedisError.self) { _ = try await client.get("k") } }
        #expect(client.isCircuitOpen, "three commands without a reply open the breaker")
        await #expect { _ = try await client.get("k") } throws: { ($0 as? RedisError)?.kind == .circuitOpen }

        await proxy.setMode(.pass)
        try await waitUntil("a probe found the link whole", timeout: .seconds(30)) { (try? await client.ping()) == "PONG" }
        #expect(!client.isCircuitOpen)
        await client.shutdown()
        await proxy.stop()
        await server.stop()
    }

    @Test func aPoolWhoseConnectionsWereResetReconnectsOnceTheLinkPasses() async throws {
        #expect(RedisPoolConfiguration().maximumBackoff == .milliseconds(500), "the default the fault matrix chose")
        let server = try await RedisServerProcess.start()
        let proxy = try await FaultProxy(upstreamPort: server.port)
        let client = try RedisClient(url: proxy.url)
        _ = try await client.set("k", "v")

        await proxy.setMode(.reset)
        // Commands during the reset fail (closed, refused, or fast while the pool backs off), never hang.
        let clock = ContinuousClock()
        let resetStart = clock.now
        while clock.now - resetStart < .seconds(2) {
            await #expect(throws: RedisError.self) { _ = try await client.get("k") }
            try await Task.sleep(for: .milliseconds(20))
        }
        await proxy.setMode(.pass)
        let healed = clock.now
        try await waitUntil("the pool reconnected", timeout: .seconds(30)) { (try? await client.get("k")).flatMap { $0 } != nil }
        // Measured about 0.3 s (one backoff of at most 500 ms); 10 s for a loaded machine.
        #expect(clock.now - healed < .seconds(10))
        await client.shutdown()
        await proxy.stop()
        await server.stop()
    }
}
