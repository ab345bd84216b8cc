import CacheSchemaRedis
import Foundation
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// A Redis that stops answering without closing (SIGSTOP): after the first reads wait out their deadline, the
/// client's circuit breaker makes `getOrSet` bypass at once, and hits return once Redis answers again.
@Suite struct StalledRedisTests {
    @Test func afterTheFirstDeadlinesReadsBypassAtOnceAndHitsReturnWhenRedisAnswers() async throws {
        // Probes every 2 s: the 20 reads below fall between probes even on a loaded machine, where one read may
        // take a good part of the 300 ms deadline without ever sending a command.
        let breaker = RedisCircuitBreakerConfiguration(threshold: 3, probeInterval: .seconds(2))
        try await withCache(readTimeout: .milliseconds(300), circuitBreaker: breaker) { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "cached", email: "c@x")
            try await cache.set(key, user)
            #expect(try await cache.getOrSetReporting(key, loader: { nil }).source == .hit)
            server.suspend()
            defer { server.resume() }
            let loaded = UserDTO(id: id, name: "from the source", email: "s@x")
            let load: @Sendable () async throws -> UserDTO? = { loaded }
            // The first reads (three in a row) wait out their deadline: the breaker learns the server is stalled.
            for _ in 0..<3 { #expect(try await cache.getOrSetReporting(key, loader: load).source == .bypass) }
            #expect((cache.client as? RedisClient)?.isCircuitOpen == true)
            // "At once" is asserted by what happened, not by wall time (a loaded machine stretches any read): a read
            // failed by the open breaker sent no command and waited for no deadline.
            let clock = ContinuousClock()
            var failedAtOnce = 0
            var longest = Duration.zero
            for _ in 0..<20 {
                let started = clock.now
                let result = try await cache.getOrSetReporting(key, loader: load)
                longest = max(longest, clock.now - started)
                #expect(result.source == .bypass && result.value == loaded)
                if result.failure?.redis?.kind == .circuitOpen { failedAtOnce += 1 }
            }
            print("stalled Redis: \(failedAtOnce) of 20 reads failed at once by the breaker, the longest took \(longest)")
            // A probe may fall among them when the machine is very slow; most must not have been sent.
            #expect(failedAtOnce >= 18, "reads bypassed at once while Redis was stopped: \(failedAtOnce) of 20")
            server.resume()
            try await waitUntil("hits return", timeout: .seconds(30)) {
                (try? await cache.getOrSetReporting(key, loader: load).source) == .hit
            }
        }
    }
}
