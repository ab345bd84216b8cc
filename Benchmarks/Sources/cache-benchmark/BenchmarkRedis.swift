import BenchmarkSupport
import CacheSchemaLocalRedis
import CacheSchemaRedis
import Foundation
import Logging

/// The Redis the tables run on — one `redis-server`, or a local Redis Cluster (3 primaries, 3 replicas) with
/// `--cluster` — with the keyspace-wide commands table 3 needs, sent to the one node or to every primary.
struct BenchmarkRedis: Sendable {
    /// The client the cache and the hand-written rows use.
    let client: any RedisKeyedClient
    /// What runs, for the heading.
    let description: String
    /// `FLUSHALL SYNC` everywhere.
    let flushAll: @Sendable () async throws -> Void
    /// The number of keys, summed over the primaries.
    let keyCount: @Sendable () async throws -> Int
    /// `DEBUG POPULATE`s `count` filler keys (spread over the primaries, each one's share in one of its slots) and
    /// returns two of them, to check later that they survived.
    let populate: @Sendable (_ count: Int) async throws -> [String]
    /// Stops the client and the servers.
    let stop: @Sendable () async -> Void

    /// `--enable-debug-command yes`: `DEBUG POPULATE` fills table 3's keyspaces quickly.
    private static let serverArguments = ["--enable-debug-command", "yes"]
    private static let fillerPrefix = "bench:filler"

    /// One `redis-server` (killed when released, also when a benchmark throws, and with this process when it is
    /// interrupted).
    static func server(executable: String, logger: Logger) async throws -> BenchmarkRedis {
        let server = try await LocalRedisServer(arguments: serverArguments, executable: executable, folderPrefix: "cache-benchmark")
        var configuration = RedisConnectionConfiguration(host: "127.0.0.1", port: server.port)
        configuration.commandTimeout = .seconds(30)
        let client = RedisClient(configuration: configuration, logger: logger)
        return BenchmarkRedis(
            client: client,
            description: "redis-server \(server.executable) on 127.0.0.1:\(server.port) (pid \(server.processID ?? 0), --save '' --appendonly no)",
            flushAll: { _ = try await client.raw(["FLUSHALL", "SYNC"]) },
            keyCount: { Int(try await client.raw(["DBSIZE"]).integer()) },
            populate: { count in
                guard count > 0 else { return [] }
                let reply = try await client.raw(["DEBUG", "POPULATE", String(count), fillerPrefix], timeout: .seconds(300))
                guard reply == .simpleString("OK") else { throw BenchmarkError("DEBUG POPULATE failed: \(reply)") }
                return ["\(fillerPrefix):0", "\(fillerPrefix):\(count - 1)"]
            },
            stop: {
                await client.shutdown()
                await server.stop()
            })
    }

    /// A local cluster of 3 primaries and 3 replicas, and a `RedisClusterClient` seeded with its first node.
    static func cluster(logger: Logger) async throws -> BenchmarkRedis {
        let cluster = try await LocalRedisCluster.start(serverArguments: serverArguments)
        var configuration = try RedisConnectionConfiguration(url: cluster.nodes[0].url)
        configuration.commandTimeout = .seconds(30)
        let client: RedisClusterClient
        do {
            client = try RedisClusterClient(seeds: [cluster.seeds[0]], configuration: configuration, logger: logger)
        } catch {
            await cluster.stop()
            throw error
        }
        @Sendable func sumOverPrimaries(_ arguments: [String]) async throws -> Int {
            try await client.sendToAllPrimaries(RedisCommand(arguments: arguments), timeout: .seconds(300)).values.reduce(0) { $0 + Int(try $1.integer()) }
        }
        return BenchmarkRedis(
            client: client,
            description: "a local Redis Cluster of 3 primaries and 3 replicas (\(cluster.seeds.joined(separator: ", ")), --save '' --appendonly no)",
            flushAll: { _ = try await client.sendToAllPrimaries(RedisCommand(arguments: ["FLUSHALL", "SYNC"])) },
            keyCount: { try await sumOverPrimaries(["DBSIZE"]) },
            populate: { count in
                guard count > 0 else { return [] }
                let shards = try await client.refreshTopology().shards
                var probes: [String] = []
                for (index, shard) in shards.enumerated() {
                    let share = count / shards.count + (index < count % shards.count ? 1 : 0)
                    guard share > 0, let slot = shard.slots.first?.lowerBound else { continue }
                    // A hash tag of one of the primary's slots, so that its filler keys live where they belong.
                    let prefix = "\(fillerPrefix){\(tag(ofSlot: slot))}"
                    let reply = try await client.send(
                        RedisCommand(arguments: ["DEBUG", "POPULATE", String(share), prefix]), slot: slot, timeout: .seconds(300))
                    guard reply == .simpleString("OK") else { throw BenchmarkError("DEBUG POPULATE on \(shard.primary) failed: \(reply)") }
                    probes += ["\(prefix):0", "\(prefix):\(share - 1)"]
                }
                return probes
            },
            stop: {
                await client.shutdown()
                await cluster.stop()
            })
    }

    /// The first base-36 number whose hash falls in `slot`.
    private static func tag(ofSlot slot: Int) -> String {
        var number = 0
        while RedisClusterSlot.of(String(number, radix: 36)) != slot { number += 1 }
        return String(number, radix: 36)
    }
}
