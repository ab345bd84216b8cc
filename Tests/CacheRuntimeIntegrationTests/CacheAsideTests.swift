import CacheRuntime
import CacheSchemaRedis
import Foundation
import Testing

@Suite struct CacheAsideTests {
    struct LoaderFailure: Error {}

    @Test func missThenHitAndNilIsNotStored() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let calls = Counter()
            let first = try await cache.getOrSetReporting(key) {
                await calls.increment()
                return UserDTO(id: id, name: "A", email: "a@x")
            }
            #expect(first.source == .miss)
            let second = try await cache.getOrSetReporting(key) {
                await calls.increment()
                return nil
            }
            #expect(second.source == .hit)
            #expect(second.value?.name == "A")
            #expect(await calls.value == 1)
            let missing = CacheKeys.user(userID: UUID())
            #expect(try await cache.getOrSet(missing) { nil } == nil)
            #expect(try await server.cli(["EXISTS", missing.rawValue]) == "0")
        }
    }

    @Test func aThousandConcurrentCallersOnAColdKeyRunTheLoaderOnce() async throws {
        // A long read deadline and a warm connection: a read that timed out because CPU-heavy suites held the machine
        // would rightly fail open and load again, and this test is about single-flight, not fail-open.
        try await withCache(readTimeout: .seconds(60)) { _, cache in
            #expect(try await cache.client.ping(timeout: nil) == "PONG")
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let calls = Counter()
            let values = try await withThrowingTaskGroup(of: UserDTO?.self) { group in
                for _ in 0..<1000 {
                    group.addTask {
                        try await cache.getOrSet(key) {
                            await calls.increment()
                            try await Task.sleep(for: .milliseconds(200))
                            return UserDTO(id: id, name: "Once", email: "once@x")
                        }
                    }
                }
                var values: [UserDTO?] = []
                for try await value in group { values.append(value) }
                return values
            }
            #expect(await calls.value == 1)
            #expect(values.count == 1000)
            #expect(values.allSatisfy { $0?.name == "Once" })
        }
    }

    @Test func aLoaderErrorReachesEveryWaiterAndIsNotCached() async throws {
        try await withCache { server, cache in
            let key = CacheKeys.user(userID: UUID())
            let calls = Counter()
            let failures = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await cache.getOrSet(key) {
                                await calls.increment()
                                try await Task.sleep(for: .milliseconds(100))
                                throw LoaderFailure()
                            }
                            return false
                        } catch {
                            return error is LoaderFailure
                        }
                    }
                }
                var count = 0
                for await failed in group where failed { count += 1 }
                return count
            }
            #expect(failures == 20)
            #expect(await calls.value == 1)
            let exists = try await server.cli(["EXISTS", key.rawValue])
            #expect(exists == "0")
        }
    }

    @Test func aLoadThatRacesAnInvalidationDoesNotStoreItsStaleResult() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let invalidator = CacheInvalidator(cache)
            // The writer updates the source of truth and invalidates while the slow reader is loading.
            let load = try await StaleFillTests.race(cache, key, stale: UserDTO(id: id, name: "stale", email: "old@x")) {
                try await invalidator.invalidateUser(userID: id)
            }
            #expect(try await load.value?.name == "stale")
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the stale load must not be written back")
            // A write-through during a load also wins.
            let load2 = try await StaleFillTests.race(cache, key, stale: UserDTO(id: id, name: "stale", email: "old@x")) {
                _ = try await cache.writeThrough(key) { UserDTO(id: id, name: "fresh", email: "new@x") }
            }
            _ = try await load2.value
            #expect(await cache.get(key).value?.name == "fresh")
        }
    }

    @Test func failOpenWhenRedisIsDownAndRecoveryWhenItReturns() async throws {
        // The harness's long read deadline: a stopped server refuses connections at once, so failing open does not
        // wait for a deadline, and a hit before the stop is not at the mercy of the scheduler.
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "A", email: "a@x")
            #expect(try await cache.getOrSetReporting(key) { user }.source == .miss)
            #expect(try await cache.getOrSetReporting(key) { user }.source == .hit)
            await server.stop()
            let clock = ContinuousClock()
            for _ in 0..<5 {
                let start = clock.now
                let result = try await cache.getOrSetReporting(key) { user }
                #expect(result.value == user)
                #expect(result.source == .bypass)
                // Far under the 30 s deadlines: a refused connection fails open at once (loose bound for a loaded machine).
                #expect(clock.now - start < .seconds(10))
            }
            if case .missWithError = await cache.get(key) {} else { Issue.record("expected a miss with error") }
            await #expect(throws: CacheError.self) { try await cache.set(key, user) }
            await #expect(throws: CacheError.self) { try await CacheInvalidator(cache).invalidateUser(userID: id) }
            try await server.restart()
            var source: CacheAsideResult<UserDTO>.Source = .bypass
            // Polls for up to 20 s: on a loaded two-core machine the reconnect can take a while to be scheduled.
            for _ in 0..<400 where source != .hit {
                source = try await cache.getOrSetReporting(key) { user }.source
                if source != .hit { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(source == .hit, "hits resume without restarting the process")
        }
    }
}

/// A slow load must not store what it read before a write or a delete of its key, whether the key has owners (their
/// generation markers) or not (its own marker).
@Suite struct StaleFillTests {
    /// Starts a load whose loader runs `write` (after the load has read the cache and its generation markers) and
    /// then returns `stale`, as a slow reader that read the source before the write would; returns the load's task
    /// once the write is done. Ordered by signals, not sleeps, so a busy machine cannot reorder the race.
    static func race<Value: Codable & Sendable>(
        _ cache: RedisCache, _ key: CacheKey<Value>, stale: Value, write: @escaping @Sendable () async throws -> Void
    ) async throws -> Task<Value?, any Error> {
        let loading = Latch(), written = Latch()
        let load = Task {
            try await cache.getOrSet(key) {
                loading.open()
                await written.wait()
                return stale
            }
        }
        await loading.wait()
        do {
            try await write()
        } catch {
            written.open()
            throw error
        }
        written.open()
        return load
    }

    @Test func aKeyWithoutOwnersIsNotFilledWithWhatALoadReadBeforeAWriteThrough() async throws {
        try await withCache { _, cache in
            let key = CacheKeys.userByEmail(email: "a@x", as: UserDTO.self)
            #expect(key.owners.isEmpty, "the reference schema's userByEmail has no owner")
            let id = UUID()
            let load = try await Self.race(cache, key, stale: UserDTO(id: id, name: "stale", email: "a@x")) {
                _ = try await cache.writeThrough(key) { UserDTO(id: id, name: "fresh", email: "a@x") }
            }
            _ = try await load.value
            #expect(await cache.get(key).value?.name == "fresh")
        }
    }

    @Test func aKeyWithoutOwnersIsNotFilledWithWhatALoadReadBeforeADelete() async throws {
        try await withCache { server, cache in
            let key = CacheKeys.userByEmail(email: "b@x", as: UserDTO.self)
            let load = try await Self.race(cache, key, stale: UserDTO(id: UUID(), name: "stale", email: "b@x")) {
                try await cache.delete(key)
            }
            _ = try await load.value
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the stale load must not be written back")
        }
    }

    @Test func anOwnedKeyIsNotFilledWithWhatALoadReadBeforeADelete() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let load = try await Self.race(cache, key, stale: UserDTO(id: id, name: "stale", email: "c@x")) {
                try await cache.delete(key)
            }
            _ = try await load.value
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the stale load must not be written back")
        }
    }

    @Test func withoutARaceAKeyWithoutOwnersIsFilledAndHits() async throws {
        try await withCache { _, cache in
            let key = CacheKeys.userByEmail(email: "d@x", as: UserDTO.self)
            let user = UserDTO(id: UUID(), name: "D", email: "d@x")
            #expect(try await cache.getOrSetReporting(key) { user }.source == .miss)
            #expect(try await cache.getOrSetReporting(key) { nil }.source == .hit)
            try await cache.delete(key)
            #expect(try await cache.getOrSetReporting(key) { user }.source == .miss, "filled again after a delete")
            #expect(try await cache.getOrSetReporting(key) { nil }.source == .hit)
        }
    }
}
