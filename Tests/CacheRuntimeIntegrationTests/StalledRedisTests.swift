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
            // A loaded machine may let a read pass its 300 ms deadline (a bypass): wait for the first hit.
            try await waitUntil("a hit before the stall", timeout: .seconds(30)) {
                (try? await cache.getOrSetReporting(key, loader: { nil }).source) == .hit
            }
            server.suspend()
            defer { server.resume() }
            let loaded = UserDTO(id: id, name: "from the source", email: "s@x")
            let load: @Sendable () async throws -> UserDTO? = { loaded }
            // The first reads (three in a row) wait out their deadline: the breaker learns the server is stalled.
            for _ in 0..<3 { #expect(try await cache.getOrSetReporting(key, loader: load).source == .bypass) }
            #expect((cache.client as? RedisClient)?.isCircuitOpen == true)
            // "At once" is asserted by what happened, not by wall time (a loaded machine stretches any read): a read
            // failed by the open breaker sent no command and waited for no deadline. The only reads allowed to wait
            // are the breaker's probes, one per probe interval.
            let clock = ContinuousClock()
            var failedAtOnce = 0
            var probes = 0
            var longest = Duration.zero
            let started = clock.now
            for _ in 0..<20 {
                let readStarted = clock.now
                let result = try await cache.getOrSetReporting(key, loader: load)
                longest = max(longest, clock.now - readStarted)
                #expect(result.source == .bypass && result.value == loaded)
                switch result.failure?.redis?.kind {
                case .circuitOpen: failedAtOnce += 1
                case .timeout, .poolUnavailable: probes += 1  // a probe waits its deadline, for a reply or a connection
                default: Issue.record("a read failed otherwise: \(String(describing: result.failure))")
                }
            }
            let elapsed = clock.now - started
            print("stalled Redis: \(failedAtOnce) of 20 reads failed at once by the breaker, \(probes) were probes, in \(elapsed); the longest took \(longest)")
            #expect(failedAtOnce + probes == 20)
            #expect(failedAtOnce >= 10, "reads bypassed at once while Redis was stopped: \(failedAtOnce) of 20")
            #expect(probes <= Int(elapsed / breaker.probeInterval) + 1, "at most one probe per probe interval")
            server.resume()
            try await waitUntil("hits return", timeout: .seconds(30)) {
                (try? await cache.getOrSetReporting(key, loader: load).source) == .hit
            }
        }
    }
}
