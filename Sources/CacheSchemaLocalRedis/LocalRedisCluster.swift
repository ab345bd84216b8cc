import Foundation

/// A local Redis Cluster for tests and benchmarks: `primaries` primaries with `replicasPerPrimary` replicas each,
/// every node a ``LocalRedisServer`` on a free loopback port with its cluster bus on another free port, joined by
/// `redis-cli --cluster create` and ready (`cluster_state:ok` on every node, every replica synced) when
/// ``start(primaries:replicasPerPrimary:serverArguments:)`` returns. ``stop()`` ends every node.
public final class LocalRedisCluster: Sendable {
    /// Every node, in the order they were given to `redis-cli --cluster create` (primaries first).
    public let nodes: [LocalRedisServer]

    /// `127.0.0.1:<port>` of every node: seeds for a cluster client.
    public var seeds: [String] { nodes.map { "127.0.0.1:\($0.port)" } }

    private init(nodes: [LocalRedisServer]) {
        self.nodes = nodes
    }

    /// Starts the nodes, creates the cluster and waits until it is ready (about 3 s on an idle machine).
    ///
    /// - Parameters:
    ///   - primaries: How many primaries (Redis wants at least 3).
    ///   - replicasPerPrimary: Replicas of each.
    ///   - serverArguments: More `redis-server` options for every node.
    public static func start(primaries: Int = 3, replicasPerPrimary: Int = 1, serverArguments: [String] = []) async throws -> LocalRedisCluster {
        var nodes: [LocalRedisServer] = []
        do {
            for _ in 0..<(primaries * (1 + replicasPerPrimary)) {
                nodes.append(
                    try await LocalRedisServer(
                        arguments: [
                            "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
                            "--cluster-port", String(try LoopbackPort.free()), "--cluster-config-file", "nodes.conf",
                        ] + serverArguments,
                        folderPrefix: "local-redis-cluster"))
            }
            let cluster = LocalRedisCluster(nodes: nodes)
            let created = try await nodes[0].cli(
                ["--cluster", "create"] + cluster.seeds + ["--cluster-replicas", String(replicasPerPrimary), "--cluster-yes"])
            guard created.contains("[OK] All 16384 slots covered") else {
                throw LocalRedisError(.serverDidNotStart, "redis-cli --cluster create failed; check that redis-cli is Redis 5 or later: \(created.suffix(800))")
            }
            try await cluster.waitUntilReady()
            return cluster
        } catch {
            for node in nodes { await node.stop() }
            throw error
        }
    }

    /// Waits until every node reports `cluster_state:ok` and every node of the cluster as `online` in
    /// `CLUSTER SHARDS` (a replica is `loading` until its first sync is done).
    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("the cluster is ready", timeout: timeout) {
            for node in nodes {
                guard try await node.cli(["CLUSTER", "INFO"]).contains("cluster_state:ok") else { return false }
                let shards = try await node.cli(["CLUSTER", "SHARDS"]).split(separator: "\n")
                guard shards.filter({ $0 == "online" }).count == nodes.count else { return false }
            }
            return true
        }
    }

    /// Stops every node.
    public func stop() async {
        for node in nodes { await node.stop() }
    }
}
