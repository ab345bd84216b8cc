import CacheSchemaRedis
import Foundation
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// A Redis that stops answering without closing (SIGSTOP): after the first reads wait out their deadline, the
/// client's circuit breaker makes `getOrSet` bypass at once, and hits return once Redis answers again.
@Suite struct StalledRedisTests {
    @Test func afterTheFirstDeadlinesReadsBypassAtOnceAndHitsReturnWhenRedisAnswers() async throws {
        try await withCache(readTimeout: .milliseconds(300)) { server, cache in
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
            let clock = ContinuousClock()
            var fast = 0
            for _ in 0..<20 {
                let started = clock.now
                let result = try await cache.getOrSetReporting(key, loader: load)
                #expect(result.source == .bypass && result.value == loaded)
                // Loose for a loaded machine: far under the 300 ms deadline.
                if clock.now - started < .milliseconds(150) { fast += 1 }
            }
            #expect(fast >= 10, "reads bypassed at once while Redis was stopped: \(fast) of 20")
            server.resume()
            try await waitUntil("hits return", timeout: .seconds(30)) {
                (try? await cache.getOrSetReporting(key, loader: load).source) == .hit
            }
        }
    }
}
