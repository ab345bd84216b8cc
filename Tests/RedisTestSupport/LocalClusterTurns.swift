import CacheSchemaLocalRedis

/// Tests that start a local Redis Cluster take turns: six redis-server processes each (and a load of 50 tasks in
/// some) are too much to run several at once on a two-core machine, where a node starved of CPU for its
/// `--cluster-node-timeout` (2 s) is declared failed by the others and a spontaneous failover breaks the test. Every
/// test target runs in one test process, so one gate here serializes the cluster tests of all suites and targets; the
/// rest of the suite still runs beside them.
public actor LocalClusterTurns {
    /// The one gate of the test process.
    public static let shared = LocalClusterTurns()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` when no other cluster test runs (for a test whose cluster another process starts).
    public nonisolated func withTurn<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}

/// Starts a local cluster (3 primaries, 3 replicas) in this test's turn (see ``LocalClusterTurns``), runs `body`,
/// and stops the cluster, also when `body` throws.
public func withLocalCluster<T>(_ body: (LocalRedisCluster) async throws -> T) async throws -> T {
    try await LocalClusterTurns.shared.withTurn {
        let cluster = try await LocalRedisCluster.start()
        do {
            let result = try await body(cluster)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }
}
