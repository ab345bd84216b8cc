import CacheRuntime
import Foundation
import RedisClient
import Testing

/// Generation markers and index sets against a real redis-server: a fill that loaded before a write never stores its
/// older value, whatever happened to the markers in between, and index sets do not grow past their live keys.
@Suite struct MarkerTests {
    // MARK: Markers never repeat

    @Test func aMarkerThatExpiredDuringALoadDoesNotComeBackWithTheValueTheFillRead() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let marker = "shop:~gen:user:\(CacheKeyEncoding.encode(id))"
            let old = UserDTO(id: id, name: "old", email: "old@x")
            let new = UserDTO(id: id, name: "new", email: "new@x")
            // The marker as older code leaves it after one bump (INCR of a missing key).
            _ = try await server.cli(["SET", marker, "1"])

            let gate = LoadGate()
            let fill = Task { try await cache.getOrSet(key) { await gate.enterAndWait(); return old } }
            await gate.waitUntilEntered()  // the fill has read the marker ("1") and is loading
            // The marker expires during the load; then a writer updates the source and the cache, bumping it again.
            _ = try await server.cli(["PEXPIRE", marker, "1"])
            try await waitUntil("the marker expired") { try await server.cli(["EXISTS", marker]) == "0" }
            try await cache.set(key, new)
            await gate.release()

            #expect(try await fill.value == old, "the loader's answer still goes to its caller")
            #expect(await cache.get(key).value == new, "the fill stored its older value over the write")
            let bumped = try #require(UInt64(try await server.cli(["GET", marker])))
            #expect(bumped > 1, "a recreated marker restarts above every value it had")

            // Again with a marker written by this code: expired and recreated, it is still above its last value.
            _ = try await server.cli(["PEXPIRE", marker, "1"])
            try await waitUntil("the marker expired") { try await server.cli(["EXISTS", marker]) == "0" }
            try await cache.delete(key)
            #expect(try #require(UInt64(try await server.cli(["GET", marker]))) > bumped)
        }
    }

    @Test func twoBumpsNeverLeaveTheSameValue() async throws {
        try await withCache { server, cache in
            let key = CacheKeys.userByEmail(email: "a@x", as: String.self)
            let marker = "shop:~kgen:user:email:\(CacheKeyEncoding.encode("a@x"))"
            var previous: UInt64 = 0
            for round in 0..<50 {
                try await cache.set(key, "v\(round)")
                let value = try #require(UInt64(try await server.cli(["GET", marker])))
                #expect(value > previous)
                previous = value
            }
        }
    }

    // MARK: Index sets shrink

    @Test func anIndexStaysNearItsLiveKeysWhileItsKeysExpire() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let index = "shop:~idx:userOrders:\(CacheKeyEncoding.encode(id))"
            let page = { (number: Int) in CacheKeys.userOrders(userID: id, page: number, as: OrdersPage.self) }
            let live = 1001...1010
            // Ten live pages keep the index alive (its TTL covers its longest member), 200 short ones expire.
            for number in live { try await cache.set(page(number), OrdersPage(page: number, items: [])) }
            for number in 1...200 {
                try await cache.set(page(number), OrdersPage(page: number, items: []), ttl: .milliseconds(50))
            }
            try await waitUntil("the short pages expired") { try await server.cli(["EXISTS", page(200).rawValue]) == "0" }
            // The live pages, written over and over: each write probes the index and drops expired members.
            for _ in 1...30 {
                for number in live { try await cache.set(page(number), OrdersPage(page: number, items: [])) }
            }
            let members = Int(try await server.cli(["SCARD", index])) ?? -1
            #expect(members >= 10 && members <= 20, "\(members) index members for 10 live keys")
            // Invalidation still finds every live key.
            #expect(try await cache.invalidateCounting(CacheInvalidations.userOrders(userID: id)) == 10)
        }
    }

    // MARK: Helpers

    /// Polls `condition` every 20 ms until it holds; fails after 30 s (generous: the machine may be loaded).
    private func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while try await !condition() {
            guard clock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Holds a loader between its start and its answer, so that a test can write or invalidate while a fill is loading.
private actor LoadGate {
    private var entered = false
    private var released = false
    private var enteredWaiters: [CheckedContinuation<Void, Never>] = []
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []

    /// Called by the loader: marks it as started, then waits for ``release()``.
    func enterAndWait() async {
        entered = true
        for waiter in enteredWaiters { waiter.resume() }
        enteredWaiters.removeAll()
        if released { return }
        await withCheckedContinuation { releaseWaiters.append($0) }
    }

    func waitUntilEntered() async {
        if entered { return }
        await withCheckedContinuation { enteredWaiters.append($0) }
    }

    func release() {
        released = true
        for waiter in releaseWaiters { waiter.resume() }
        releaseWaiters.removeAll()
    }
}
