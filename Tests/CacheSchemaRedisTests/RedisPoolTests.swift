import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import ServiceLifecycle
import Testing

@testable import CacheSchemaRedis

/// Pool behaviour: growth under load, idle close, health checks, lifecycle.
@Suite struct RedisPoolTests {
    @Test func growsUnderLoadUpToTheMaximumAndClosesIdleConnections() async throws {
        let pool = RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 3, pipelineThreshold: 2, idleTimeout: .milliseconds(100), healthCheckInterval: .milliseconds(100))
        try await withRedis(pool: pool) { _, client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<60 {
                    group.addTask { _ = try await client.raw(["DEBUG", "SLEEP", "0.01"]) }
                }
                try await group.waitForAll()
            }
            #expect(client.openConnectionCount > 1)
            #expect(client.openConnectionCount <= 3)
            try await Task.sleep(for: .milliseconds(250))
            await client.upkeep()
            #expect(client.openConnectionCount == 1, "idle connections beyond the minimum are closed")
            #expect(try await client.ping() == "PONG")
        }
    }

    @Test func healthCheckClosesADeadConnectionAndTheMinimumIsReopened() async throws {
        let pool = RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1, healthCheckInterval: .milliseconds(50), initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(50))
        try await withRedis(pool: pool) { server, client in
            #expect(try await client.ping() == "PONG")
            // Kill every client connection from the server side.
            _ = try await server.cli(["CLIENT", "KILL", "TYPE", "normal"])
            try await Task.sleep(for: .milliseconds(200))
            await client.upkeep()
            var pong = ""
            for _ in 0..<50 where pong != "PONG" {
                pong = (try? await client.ping()) ?? ""
                if pong != "PONG" { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(pong == "PONG")
        }
    }

    @Test func runsAsAServiceAndShutsDownGracefully() async throws {
        let server = try await RedisServerProcess.start()
        var configuration = try RedisConnectionConfiguration(url: server.url)
        // Generous deadlines: suites run in parallel on two cores next to CPU-heavy ones.
        configuration.connectTimeout = .seconds(10)
        configuration.commandTimeout = .seconds(10)
        let client = RedisClient(configuration: configuration)
        let group = ServiceGroup(configuration: .init(services: [client], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        #expect(try await client.ping() == "PONG")
        await group.triggerGracefulShutdown()
        try await running.value
        do {
            _ = try await client.ping()
            Issue.record("expected shutDown")
        } catch let error as RedisError {
            #expect(error.kind == .shutDown)
        }
        await server.stop()
    }
}
