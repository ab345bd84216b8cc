import ArgumentParser
import CacheSchemaRedis
import RedisTestSupport

/// The Redis a harness run uses — one private redis-server, or a local Redis Cluster — as the parent starts it and as
/// its worker processes connect to it.
struct RaceTarget: Sendable {
    let server: RedisServerProcess?
    let cluster: LocalRedisCluster?

    /// Starts a redis-server, or with `cluster` a local cluster of 3 primaries and 3 replicas.
    static func start(cluster: Bool) async throws -> RaceTarget {
        cluster ? RaceTarget(server: nil, cluster: try await LocalRedisCluster.start()) : RaceTarget(server: try await RedisServerProcess.start(), cluster: nil)
    }

    /// What a worker is told: `--url …` or `--cluster-seeds …`.
    var workerArguments: [String] {
        if let cluster { return ["--cluster-seeds", cluster.seeds.joined(separator: ",")] }
        return ["--url", server?.url ?? ""]
    }

    /// Stops what ``start(cluster:)`` started.
    func stop() async {
        await server?.stop()
        await cluster?.stop()
    }

    /// A worker's client for `--url` or `--cluster-seeds`, with deadlines far above any scheduling delay of a loaded
    /// machine.
    static func client(url: String?, clusterSeeds: String?) throws -> any RedisKeyedClient {
        var configuration = try url.map { try RedisConnectionConfiguration(url: $0) } ?? RedisConnectionConfiguration()
        configuration.connectTimeout = .seconds(10)
        configuration.commandTimeout = .seconds(10)
        if let clusterSeeds {
            return try RedisClusterClient(seeds: clusterSeeds.split(separator: ",").map(String.init), configuration: configuration)
        }
        guard url != nil else { throw ValidationError("give --url or --cluster-seeds") }
        return RedisClient(configuration: configuration)
    }
}
