import CacheSchemaRedis
import Foundation
import NIOPosix
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// Races between processes, each played by a cache with a client of its own on one redis-server (the markers in
/// Redis, not this process's single-flight, must hold the guarantee): two writers of one key, and a fill that spans
/// a Redis restart without persistence.
@Suite struct CrossProcessRaceTests {
    // MARK: Two writers of one key

    @Test func aWriteThroughThatRacedAnotherWriterLeavesNoOlderValue() async throws {
        try await withCache { _, cache in
            try await withOtherProcess(of: cache) { other in
                let id = UUID()
                let key = CacheKeys.user(userID: id)
                let older = UserDTO(id: id, name: "A", email: "a@x")
                let newer = UserDTO(id: id, name: "B", email: "b@x")
                // Writer A updates the source and is slow to write the cache; writer B updates the source after A,
                // writes the cache and returns; then A writes the cache, last.
                let writerA = HeldWrite(cache, key, returning: older)
                await writerA.updated.wait()
                let written = try await other.writeThrough(key) { newer }
                #expect(written == newer)
                #expect(await cache.get(key).value == newer, "writer B's value is stored")
                writerA.release.open()
                #expect(try await writerA.task.value == older, "writer A's caller gets its update's result")

                // A's value is older than the source: it must not be what the cache holds now.
                let lookup = await other.get(key)
                #expect(lookup.value != older, "the later cache write put an older value over a newer one")
                #expect(lookup.value == nil, "a write that raced another deletes the key instead of guessing")
                let reloaded = try await other.getOrSet(key) { newer }
                #expect(reloaded == newer, "the next read loads the source's latest")
                #expect(await cache.get(key).value == newer)
            }
        }
    }

    @Test func aWriteThroughThatRacedNoOneStoresItsValue() async throws {
        try await withCache { _, cache in
            try await withOtherProcess(of: cache) { other in
                let id = UUID()
                let key = CacheKeys.user(userID: id)
                let first = UserDTO(id: id, name: "1", email: "1@x")
                let second = UserDTO(id: id, name: "2", email: "2@x")
                _ = try await cache.writeThrough(key) { first }
                #expect(await other.get(key).value == first)
                // Writes one after the other (no overlap) each store: the conflict check costs no hits.
                _ = try await other.writeThrough(key) { second }
                #expect(await cache.get(key).value == second)
            }
        }
    }

    @Test func aWriteThroughThatRacedAnInvalidationDeletesInsteadOfStoring() async throws {
        try await withCache { _, cache in
            try await withOtherProcess(of: cache) { other in
                let id = UUID()
                let key = CacheKeys.user(userID: id)
                let writer = HeldWrite(cache, key, returning: UserDTO(id: id, name: "written", email: "w@x"))
                await writer.updated.wait()
                try await other.invalidate(CacheInvalidations.user(userID: id))
                writer.release.open()
                _ = try await writer.task.value
                #expect(await other.get(key).value == nil, "a write that overlapped an invalidation of its entity deletes")
            }
        }
    }

    // MARK: Sharing a load across another process's write

    @Test func aCallerThatJoinedALoadAfterAnotherProcessWroteLoadsAgain() async throws {
        try await withCache { _, cache in
            try await withOtherProcess(of: cache) { other in
                let id = UUID()
                let key = CacheKeys.user(userID: id)
                let old = UserDTO(id: id, name: "old", email: "old@x")
                let new = UserDTO(id: id, name: "new", email: "new@x")
                // A load of the old row is under way in this process when another process updates the source and
                // invalidates the user; then a caller comes, misses, and finds the load to join.
                let load = HeldLoad(cache, key, returning: old)
                #expect(await load.started.wait(atMost: .seconds(20)), "the loader started")
                try await other.invalidate(CacheInvalidations.user(userID: id))
                let loads = Counter()
                let late = Task {
                    try await cache.getOrSetReporting(key) {
                        await loads.increment()
                        return new
                    }
                }
                try await waitUntil("the late caller joined the load") { cache.singleFlight.joinedCallers(of: key.rawValue) == 1 }
                load.release.open()
                #expect(try await load.task.value.value == old, "the load's own caller started before the write")
                let result = try await late.value
                #expect(result.value == new, "a caller that came after the write got the load that read the source before it")
                #expect(await loads.value == 1, "the late caller loaded again")
            }
        }
    }

    // MARK: A Redis restart without persistence

    @Test func aFillThatReadBeforeARestartDoesNotStoreAfterIt() async throws {
        try await withCache { server, cache in
            try await withOtherProcess(of: cache) { other in
                let id = UUID()
                let key = CacheKeys.user(userID: id)
                let old = UserDTO(id: id, name: "old", email: "old@x")
                let new = UserDTO(id: id, name: "new", email: "new@x")
                // The fill reads the cache (a miss, no marker yet) and loads the old row. Meanwhile another process
                // updates the source and the cache, and Redis restarts without persistence: the new value and the
                // marker its write bumped are gone, so the markers look as they did when the fill read them.
                let load = try await StaleFillTests.race(cache, key, stale: old) {
                    _ = try await other.writeThrough(key) { new }
                    try await server.restart()
                    try await waitUntil("both processes reach the restarted server") {
                        let first = try? await cache.client.ping(timeout: nil)
                        let second = try? await other.client.ping(timeout: nil)
                        return first == "PONG" && second == "PONG"
                    }
                }
                #expect(try await load.value == old, "the loader's answer still goes to its caller")
                #expect(await other.get(key).value == nil, "the fill stored what it loaded before a write, after a restart erased the write's marker")

                // A fill that starts after the restart stores as usual.
                let filled = try await other.getOrSet(key) { new }
                #expect(filled == new)
                #expect(await cache.get(key).value == new)
            }
        }
    }

    @Test func aWriteThroughThatSpannedARestartDeletesInsteadOfStoring() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let writer = HeldWrite(cache, key, returning: UserDTO(id: id, name: "v", email: "v@x"))
            await writer.updated.wait()
            // Whatever other writers did before the restart is lost with it: the snapshot taken before the update
            // is of another incarnation, so the write cannot know it was the last one.
            try await server.restart()
            try await waitUntil("the client reaches the restarted server") { (try? await cache.client.ping(timeout: nil)) == "PONG" }
            writer.release.open()
            _ = try await writer.task.value
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0")
        }
    }
}

/// A `writeThrough` whose update signals when it has run (the source changed) and then waits until released before
/// the cache is written: a writer held between its two steps on purpose.
struct HeldWrite<Value: Codable & Sendable>: Sendable {
    let updated = Latch()
    let release = Latch()
    let task: Task<Value, any Error>

    init(_ cache: RedisCache, _ key: CacheKey<Value>, returning value: Value) {
        let updated = updated
        let release = release
        task = Task {
            try await cache.writeThrough(key) {
                updated.open()
                await release.wait()
                return value
            }
        }
    }
}

/// Runs `body` with a second cache on the same server as `cache`, with a client and an event loop of its own: another
/// process of the same service, as far as Redis can tell.
func withOtherProcess(of cache: RedisCache, _ body: (RedisCache) async throws -> Void) async throws {
    let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let client = RedisClient(
        configuration: cache.client.configuration,
        pool: RedisPoolConfiguration(initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200)),
        eventLoopGroup: eventLoops)
    let other = RedisCache(client: client, readTimeout: cache.readTimeout, writeTimeout: cache.writeTimeout, nearCaching: cache.nearCaching)
    do {
        try await body(other)
    } catch {
        await client.shutdown()
        try? await eventLoops.shutdownGracefully()
        throw error
    }
    await client.shutdown()
    try await eventLoops.shutdownGracefully()
}
