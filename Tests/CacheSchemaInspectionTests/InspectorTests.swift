import CacheRuntime
import CacheSchemaGenerator
import CacheSchemaInspection
import CacheSchemaRedis
import Foundation
import NIOCore
import RedisTestSupport
import Testing

struct UserDTO: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
}

struct MenuDTO: Codable, Sendable, Equatable {
    var items: [String]
}

/// `cache-schema inspect`'s walk on real redis-servers: a keyspace the runtime wrote, a hostile one beside it, a
/// server whose command statistics prove the walk read-only, 10^5 keys, and a cluster.
@Suite struct InspectorTests {
    /// The schema the generated `CacheKeys` of this target come from, compiled as the CLI compiles it.
    static func schema() throws -> InspectedSchema {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("inspect.cache.yaml").path
        let result = CacheSchemaCompiler.compile(fileAt: file, generate: false)
        let schema = try #require(result.schema), analysis = try #require(result.analysis)
        return InspectedSchema(schema: schema, analysis: analysis)
    }

    static func inspect(_ client: any RedisKeyedClient, sampleSize: Int = 100, keyLimit: Int? = nil) async throws -> InspectionReport {
        var options = InspectionOptions()
        options.sampleSize = sampleSize
        options.keyLimit = keyLimit
        return try await Inspector(schema: schema(), client: client, target: "test", options: options).run()
    }

    /// Fills the cache as an application would: users, their pages, menus, the flags, one invalidation.
    static func fill(_ cache: RedisCache) async throws -> [UUID] {
        let users = (0..<40).map { _ in UUID() }
        for user in users {
            try await cache.set(CacheKeys.user(userID: user), UserDTO(id: user, name: "n"))
            for page in 1...2 { try await cache.set(CacheKeys.userPage(userID: user, page: page), UserDTO(id: user, name: "p")) }
        }
        for _ in 0..<10 { try await cache.set(CacheKeys.restaurantMenu(restaurantID: UUID()), MenuDTO(items: ["soup"])) }
        try await cache.set(CacheKeys.flags(), MenuDTO(items: ["dark-mode"]))
        try await cache.invalidate(CacheInvalidations.user(userID: users[0]))
        return users
    }

    static func key(_ report: InspectionReport, _ name: String) throws -> InspectionReport.KeyReport {
        try #require(report.keys.first { $0.name == name })
    }

    @Test func aKeyspaceTheRuntimeWroteIsHealthy() async throws {
        try await withServer { _, client in
            _ = try await Self.fill(RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30)))
            let report = try await Self.inspect(client)
            #expect(report.isHealthy, "\(report.problems)")
            #expect(report.unmatched.count == 0, "\(report.unmatched.examples)")
            let user = try Self.key(report, "user"), page = try Self.key(report, "userPage")
            let menu = try Self.key(report, "restaurantMenu"), flags = try Self.key(report, "flags")
            #expect(user.count == 39 && page.count == 78 && menu.count == 10 && flags.count == 1)
            #expect(user.ttl.withoutTTL == 0 && user.ttl.aboveDeclared == 0)
            #expect((user.ttl.maximumSeconds ?? 0) <= 300 && (user.ttl.minimumSeconds ?? 0) > 200)
            // A stale window lengthens what is stored: 30m + 5m, and that is not above the declared.
            #expect((menu.ttl.maximumSeconds ?? 0) > 1_800 && menu.ttl.aboveDeclared == 0)
            #expect(user.values.sampled == 39 && user.values.envelopes.count == 1 && user.values.envelopes.first?.codec == "json")
            #expect(user.memory.sampled == 39 && (user.memory.meanBytes ?? 0) > 0)
            // One index set per written user instance (the invalidated one's went with it), generation markers.
            let userIndexes = try #require(report.runtime.indexes.first { $0.entity == "user" })
            #expect(userIndexes.count == 39 && userIndexes.members == 39 * 3 && userIndexes.membersGone == 0)
            #expect(report.runtime.instanceGenerations >= 40)
            #expect(report.keysScanned == 39 * 3 + 10 + 1 + report.runtime.instanceGenerations + report.runtime.keyGenerations
                + report.runtime.patternMarkers + report.runtime.leases + report.runtime.indexes.reduce(0) { $0 + $1.count }, "\(report)")
        }
    }

    @Test func aHostileKeyspaceIsReportedKeyByKey() async throws {
        try await withServer { _, client in
            let users = try await Self.fill(RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30)))
            let node = client.routed(by: "x")
            let id = users[1].uuidString.lowercased()
            // Formatted by hand: without the hash tag, an upper-case UUID, a binary key, a key of every Redis type.
            _ = try await node.raw(["SET", "shop:user:\(id)", "x", "PX", "60000"])
            _ = try await node.raw(["SET", "shop:user:{\(id.uppercased())}", "x", "PX", "60000"])
            _ = try await client.send(RedisCommand("SET", ByteBuffer(bytes: Array("shop:".utf8) + [0xFF, 0x00, 0x2A]), "v"), routedBy: "x", idempotent: false, timeout: nil)
            _ = try await node.raw(["LPUSH", "shop:user:{\(UUID().uuidString.lowercased())}", "a"])
            _ = try await node.raw(["HSET", "shop:user:{\(UUID().uuidString.lowercased())}", "f", "v"])
            _ = try await node.raw(["ZADD", "shop:unknown", "1", "m"])
            _ = try await node.raw(["XADD", "shop:stream", "*", "f", "v"])
            // A schema key without a TTL, one not an envelope, one whose payload is cut short, one with a huge value.
            let noTTL = CacheKeys.user(userID: UUID()).rawValue
            let stored = try await node.raw(["GET", CacheKeys.user(userID: users[2]).rawValue]).bytes()
            var bytes = Array(stored.readableBytesView)
            _ = try await node.send(RedisCommand("SET", noTTL, ByteBuffer(bytes: bytes)), timeout: nil)
            _ = try await node.raw(["SET", CacheKeys.user(userID: UUID()).rawValue, "{\"plain\":\"json\"}", "PX", "60000"])
            bytes.removeLast(3)
            _ = try await node.send(RedisCommand("SET", CacheKeys.user(userID: users[3]).rawValue, ByteBuffer(bytes: bytes), "PX", 60_000), timeout: nil)
            try await RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30)).set(CacheKeys.restaurantMenu(restaurantID: UUID()), MenuDTO(items: Array(repeating: String(repeating: "x", count: 1000), count: 200)))
            // A TTL above the declared: a user written with 1 h.
            try await RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30)).set(CacheKeys.user(userID: UUID()), UserDTO(id: UUID(), name: "long"), ttl: .seconds(3600))

            let report = try await Self.inspect(client)
            #expect(!report.isHealthy)
            let user = try Self.key(report, "user")
            #expect(user.ttl.withoutTTL == 1)
            #expect(user.ttl.aboveDeclared == 1)
            #expect(user.wrongTypes == ["list": 1, "hash": 1])
            #expect(user.values.notEnvelopes == 1 && user.values.unparsable == 1)
            #expect(try Self.key(report, "restaurantMenu").values.readInPart == 1)
            #expect(report.unmatched.count == 5, "\(report.unmatched.examples)")
            #expect(report.unmatched.examples.contains("shop:\\xFF\\x00*"), "\(report.unmatched.examples)")
            #expect(report.unmatched.types["zset"] == 1 && report.unmatched.types["stream"] == 1)
            let ids = Set(report.problems.map(\.id))
            #expect(ids.isSuperset(of: ["key-without-ttl", "wrong-redis-type", "not-an-envelope", "unparsable-payload", "ttl-above-declared", "unmatched-key"]), "\(ids)")
            // The text says it too.
            let text = InspectionText.render(report)
            #expect(text.contains("keys matching no pattern: 5") && text.contains("[key-without-ttl]"), "\(text)")
        }
    }

    @Test func twoBuildsValueTypesSideBySideAreAWarning() async throws {
        try await withServer { _, client in
            let cache = RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30))
            try await cache.set(CacheKeys.user(userID: UUID()), UserDTO(id: UUID(), name: "new"))
            // The same key name holding another Swift type: another build's fingerprint.
            let other = CacheKey<MenuDTO>(descriptor: CacheKeys.user(userID: UUID()).descriptor, rawValue: CacheKeys.user(userID: UUID()).rawValue, owners: [])
            try await cache.set(other, MenuDTO(items: []))
            let report = try await Self.inspect(client)
            #expect(try Self.key(report, "user").values.envelopes.count == 2)
            #expect(report.problems.contains { $0.id == "several-value-types" && $0.severity == .warning })
            #expect(report.isHealthy, "a warning alone is healthy")
        }
    }

    @Test func theWalkIsReadOnly() async throws {
        try await withServer { server, client in
            _ = try await Self.fill(RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30)))
            _ = try await server.cli(["SET", "shop:user:hand-made", "x"])
            let before = try await server.cli(["DEBUG", "DIGEST"])
            _ = try await server.cli(["CONFIG", "RESETSTAT"])
            _ = try await Self.inspect(client)
            let stats = try await server.cli(["INFO", "commandstats"])
            let commands = Set(stats.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                guard line.hasPrefix("cmdstat_") else { return nil }
                return String(line.dropFirst("cmdstat_".count).prefix { $0 != ":" })
            })
            let reads: Set<String> = [
                "scan", "type", "pttl", "memory|usage", "strlen", "get", "getrange", "scard", "srandmember", "exists",
                "hello", "client|setname", "ping", "info", "config|resetstat",
            ]
            #expect(commands.isSubset(of: reads), "commands that are not reads: \(commands.subtracting(reads))")
            #expect(commands.contains("scan") && !commands.contains("keys"))
            #expect(try await server.cli(["DEBUG", "DIGEST"]) == before, "the data changed")
        }
    }

    @Test func aHundredThousandKeysAreWalkedAllWhileRedisKeepsAnswering() async throws {
        try await withServer { server, client in
            _ = try await server.cli(["DEBUG", "POPULATE", "100000", "shop:populated"])
            let pinger = RedisClient(configuration: client.configuration)
            let slowest = Task {
                var slowest = Duration.zero
                var answered = 0
                while !Task.isCancelled {
                    let start = ContinuousClock.now
                    if (try? await pinger.ping(timeout: .seconds(30))) == "PONG" { answered += 1 }
                    slowest = max(slowest, ContinuousClock.now - start)
                }
                return (slowest, answered)
            }
            let report = try await Self.inspect(client)
            slowest.cancel()
            let (worst, answered) = await slowest.value
            await pinger.shutdown()
            #expect(report.keysScanned == 100_000)
            #expect(report.unmatched.count == 100_000 && report.unmatched.withoutTTL == 100_000)
            // Redis kept answering other clients during the walk. The latency target is the benchmark's (table 5): a
            // loaded CI machine stalls a PING for seconds with no walk at all.
            #expect(answered > 0 && worst < .seconds(30), "\(answered) PINGs answered during the walk, the slowest in \(worst)")
            // --sample stops early and says so.
            let partial = try await Self.inspect(client, keyLimit: 1_000)
            #expect(partial.keysScanned == 1_000 && !partial.complete)
        }
    }

    @Test func aClusterIsWalkedOnEveryPrimary() async throws {
        try await withLocalCluster { cluster in
            let client = try RedisClusterClient(seeds: cluster.seeds, configuration: RedisConnectionConfiguration())
            defer { Task { await client.shutdown() } }
            _ = try await Self.fill(RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30)))
            let report = try await Self.inspect(client)
            #expect(report.primaries == 3)
            #expect(report.isHealthy, "\(report.problems)")
            #expect(try Self.key(report, "user").count == 39)
            #expect(try Self.key(report, "userPage").count == 78)
        }
    }
}

/// A private redis-server and a client for one test.
func withServer(_ body: (RedisServerProcess, RedisClient) async throws -> Void) async throws {
    let server = try await RedisServerProcess.start()
    var configuration = try RedisConnectionConfiguration(url: server.url)
    configuration.commandTimeout = .seconds(30)
    let client = RedisClient(configuration: configuration)
    do {
        try await body(server, client)
    } catch {
        await client.shutdown()
        await server.stop()
        throw error
    }
    await client.shutdown()
    await server.stop()
}
