import CacheRuntime
import CacheSchemaRedis
import Foundation
import MetricsTestKit
import RedisTestSupport
import Synchronization
import Testing

/// A `getOrSet` whose loader signals when it starts and then waits until released: a flight held open on purpose.
struct HeldLoad<Value: Sendable>: Sendable {
    let started = Latch()
    let release = Latch()
    let task: Task<CacheAsideResult<Value>, any Error>

    init(_ cache: RedisCache, _ key: CacheKey<Value>, returning value: Value) where Value: Codable {
        let started = started
        let release = release
        task = Task {
            try await cache.getOrSetReporting(key) {
                started.open()
                await release.wait()
                return value
            }
        }
    }
}

/// Runs `body` in a task and waits for it at most `timeout` (generous: the point is that it ends without `release`);
/// then opens `release`, so that a test of the old behaviour fails instead of hanging. Returns the task.
func finishesBeforeRelease<T: Sendable>(
    _ release: Latch, timeout: Duration = .seconds(30), _ body: @escaping @Sendable () async throws -> T
) async -> (task: Task<T, any Error>, finished: Bool) {
    let done = Latch()
    let task = Task {
        defer { done.open() }
        return try await body()
    }
    let finished = await done.wait(atMost: timeout)
    release.open()
    return (task, finished)
}

/// `getOrSet` answers within `readTimeout` plus the loader's time, whatever the store of its fill does.
@Suite struct FailOpenBoundTests {
    @Test func aMissAnswersBeforePausedWritesResumeAndItsStoreLandsAfterwards() async throws {
        // A read budget of 20 s, which the reads themselves (not paused) meet on a loaded machine, and writes paused
        // until the test ends the pause: the answer must come while the fill's store is still held.
        try await withCache(readTimeout: .seconds(20)) { server, cache in
            // Connect first: reads must pass the pause below (a `WRITE` pause lets reads through).
            #expect(try await cache.client.ping(timeout: nil) == "PONG")
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "A", email: "a@x")
            // What a failover does: writes wait; the fill's store (a script) is one of them. The pause outlasts the
            // read budget by far and ends only by UNPAUSE below.
            #expect(try await server.cli(["CLIENT", "PAUSE", "300000", "WRITE"]) == "OK")
            let result = try await cache.getOrSetReporting(key) { user }
            #expect(result.value == user)
            #expect(result.source == .miss)
            // The caller was answered while the store was held: it did not wait for the paused write.
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the store is still held by the pause")
            #expect(try await server.cli(["CLIENT", "UNPAUSE"]) == "OK")
            // The store went on in the background and lands when writes resume.
            var stored = false
            for _ in 0..<300 where !stored {
                stored = try await server.cli(["EXISTS", key.rawValue]) == "1"
                if !stored { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(stored, "the fill's store completes after the pause")
        }
    }
}

/// A cancelled caller of `getOrSet` returns at once; the load goes on for the others.
@Suite struct CancellationTests {
    @Test func aCancelledCallerReturnsWhileTheFlightGoesOnForTheOthers() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "A", email: "a@x")
            let first = HeldLoad(cache, key, returning: user)
            #expect(await first.started.wait(atMost: .seconds(20)), "the loader started")
            let calls = Counter()
            let second = Task {
                try await cache.getOrSetReporting(key) {
                    await calls.increment()
                    return nil
                }
            }
            first.task.cancel()
            let (cancelled, finished) = await finishesBeforeRelease(first.release) {
                do {
                    _ = try await first.task.value
                    return false
                } catch {
                    return error is CancellationError
                }
            }
            #expect(finished, "the cancelled caller returned without waiting for the loader")
            #expect(try await cancelled.value, "the cancelled caller gets CancellationError")
            // The other caller shares the flight, which went on and stored its value.
            let shared = try await second.value
            #expect(shared.value == user)
            #expect(await calls.value == 0, "the second caller joined the flight")
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "1")
        }
    }

    @Test func aCancellationDuringTheReadIsNeitherAnErrorNorALoad() async throws {
        let metrics = TestMetrics()
        try await withCache(metrics: metrics) { server, cache in
            #expect(try await cache.client.ping(timeout: nil) == "PONG")
            let key = CacheKeys.user(userID: UUID())
            let calls = Counter()
            // The server answers nothing until the test resumes it, so the first read is in flight when the caller is
            // cancelled. (SIGSTOP rather than `CLIENT PAUSE ALL`, which also holds the UNPAUSE that would end it.)
            server.suspend()
            defer { server.resume() }
            let caller = Task {
                try await cache.getOrSetReporting(key) {
                    await calls.increment()
                    return UserDTO(id: UUID(), name: "A", email: "a@x")
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            caller.cancel()
            // The caller returns while the server is still stopped: it does not wait for the read's answer.
            await #expect(throws: CancellationError.self) { _ = try await caller.value }
            server.resume()
            // Wait for the server to answer, so that a load started in the background would have run by now. (The
            // cancelled read's connection may be closed meanwhile, when that read's deadline passes: retry.)
            var answered = false
            for _ in 0..<60 where !answered {
                answered = (try? await cache.client.ping(timeout: .seconds(10))) == "PONG"
                if !answered { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(answered, "the server answers after the pause")
            #expect(await calls.value == 0, "a cancelled caller starts no load")
            let labels = [("key", "user")]
            #expect(try metrics.expectCounter("cache_errors_total", labels).totalValue == 0)
            #expect(try metrics.expectCounter("cache_loads_total", labels).totalValue == 0)
        }
    }
}

/// A key holding a list or a hash (not written by this cache) is a miss that the next fill overwrites.
@Suite struct ForeignValueTests {
    @Test func aListUnderTheKeyIsAMissAndIsOverwritten() async throws {
        let metrics = TestMetrics()
        try await withCache(metrics: metrics) { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "A", email: "a@x")
            #expect(try await server.cli(["RPUSH", key.rawValue, "x"]) == "1")
            if case .miss = await cache.get(key) {} else { Issue.record("get of a list must be a plain miss") }
            let filled = try await cache.getOrSetReporting(key) { user }
            #expect(filled.source == .miss)
            #expect(filled.value == user)
            #expect(try await server.cli(["TYPE", key.rawValue]) == "string", "the fill overwrote the list")
            let again = try await cache.getOrSetReporting(key) { nil }
            #expect(again.source == .hit)
            #expect(again.value == user)
            let labels = [("key", "user")]
            #expect(try metrics.expectCounter("cache_errors_total", labels).totalValue == 0)
            #expect(try metrics.expectCounter("cache_decode_failures_total", labels).totalValue == 2, "get and getOrSet each found the list")
            #expect(try metrics.expectCounter("cache_hits_total", labels).totalValue == 1)
        }
    }
}

/// After a write, delete or invalidation in this process, callers do not share a load that started before it.
@Suite struct FlightAfterWriteTests {
    /// Holds a load of `key` (returning `old`) open, runs `change`, then checks that a later caller loads `new`
    /// itself instead of joining the held load; finally releases it and checks that its old value was not stored.
    private func expectNewFlight(
        _ server: RedisServerProcess, _ cache: RedisCache, _ key: CacheKey<OrdersPage>, change: () async throws -> Void
    ) async throws {
        let old = OrdersPage(page: 1, items: ["old"])
        let new = OrdersPage(page: 1, items: ["new"])
        let held = HeldLoad(cache, key, returning: old)
        #expect(await held.started.wait(atMost: .seconds(20)), "the first load started")
        try await change()
        let (later, finished) = await finishesBeforeRelease(held.release) {
            try await cache.getOrSetReporting(key) { new }
        }
        #expect(finished, "the later caller did not wait for the load that started before the change")
        let result = try await later.value
        #expect(result.value == new)
        #expect(result.source == .miss)
        #expect(try await held.task.value.value == old, "the first caller still gets its own load's result")
        #expect(await cache.get(key).value == new, "the load from before the change did not overwrite the new one")
        #expect(try await server.cli(["EXISTS", key.rawValue]) == "1")
    }

    @Test func aDeleteStartsANewFlight() async throws {
        try await withCache { server, cache in
            let key = CacheKeys.userOrders(userID: UUID(), page: 1, as: OrdersPage.self)
            try await expectNewFlight(server, cache, key) { try await cache.delete(key) }
        }
    }

    @Test func anInvalidationOfTheOwningInstanceStartsANewFlight() async throws {
        try await withCache { server, cache in
            let id = UUID()
            // A page is not among the invalidation's exact keys: it is reached through its owner, the instance.
            let key = CacheKeys.userOrders(userID: id, page: 2, as: OrdersPage.self)
            try await expectNewFlight(server, cache, key) { try await CacheInvalidator(cache).invalidateUserOrders(userID: id) }
        }
    }

    @Test func aLoadFromBeforeAFailedDeleteNeverStores() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let old = UserDTO(id: id, name: "old", email: "old@x")
            let new = UserDTO(id: id, name: "new", email: "new@x")
            let held = HeldLoad(cache, key, returning: old)
            #expect(await held.started.wait(atMost: .seconds(20)), "the first load started")
            // The delete fails in Redis before it changes anything (its script starts with UNLINK), and so do its
            // repairs, until UNLINK is allowed again: the generations do not move, so only this process knows.
            #expect(try await server.cli(["ACL", "SETUSER", "default", "-unlink"]) == "OK")
            await #expect(throws: CacheError.self) { try await cache.delete(key) }
            #expect(cache.pendingRepairCount == 1)
            let (later, finished) = await finishesBeforeRelease(held.release) {
                try await cache.getOrSetReporting(key) { new }
            }
            #expect(finished, "the later caller did not wait for the load that started before the delete")
            let result = try await later.value
            #expect(result.value == new)
            #expect(result.source == .bypass, "a key with a pending repair is neither read nor stored")
            #expect(try await held.task.value.value == old)
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the load from before the failed delete stored nothing")
            #expect(try await server.cli(["ACL", "SETUSER", "default", "+unlink"]) == "OK")
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(20)
            while cache.pendingRepairCount > 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(cache.pendingRepairCount == 0)
        }
    }
}

/// `exists` agrees with reads about keys whose repair is pending.
@Suite struct ExistsWithPendingRepairTests {
    @Test func existsReportsThePendingRepairInsteadOfTheOldValue() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            try await cache.set(key, UserDTO(id: id, name: "old", email: "old@x"))
            // The delete (and its repairs) fail in Redis before removing anything: the old value stays there.
            #expect(try await server.cli(["ACL", "SETUSER", "default", "-unlink"]) == "OK")
            await #expect(throws: CacheError.self) { try await cache.delete(key) }
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "1", "the old value is still in Redis")
            do {
                let exists = try await cache.exists(key)
                Issue.record("exists answered \(exists) for a key whose delete is pending")
            } catch let error as CacheError {
                #expect(error.kind == .repairPending)
            }
            #expect(try await server.cli(["ACL", "SETUSER", "default", "+unlink"]) == "OK")
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(20)
            while cache.pendingRepairCount > 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(cache.pendingRepairCount == 0)
            #expect(try await cache.exists(key) == false, "the repair deleted the key")
        }
    }
}
