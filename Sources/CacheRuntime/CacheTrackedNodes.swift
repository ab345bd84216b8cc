import CacheSchemaRESP
import CacheSchemaRedis

/// The nodes whose writes a near cache must hear about, and how its tracking connections reach them: the one node of
/// a ``RedisClient``, or every primary of a ``RedisClusterClient``.
///
/// On a cluster only primaries take writes, so one connection per primary hears every write. What can go unheard is
/// a change of the primaries themselves: a primary added, or a replica promoted (a failover). After a failover the
/// old primary's connection may stay open; as a replica it still pushes for the writes it replicates (Redis 7.0),
/// but only once it has replicated them, which a broken link delays without bound. And on one node as on a cluster,
/// a server that stops answering (stopped, blackholed) keeps its connection open while pushing nothing: another
/// process's write to the source of truth, whose cache write then fails, would reach no one. So ``watch(_:checks:)``,
/// every ``CacheNearCacheTracking/checkInterval``, asks each tracked node to answer within
/// ``CacheNearCacheTracking/checkTimeout`` (`PING`; on a cluster `ROLE`, which
/// must still say primary) and compares a cluster's slot map with the primaries it tracks; on a failure or a
/// difference it ends the connections' time: the near cache empties, and tracks again once every node answers.
enum CacheTrackedNodes: Sendable {
    case single(RedisClient)
    case cluster(RedisClusterClient)

    /// The nodes of `client`, or `nil` for a client of another kind (the near cache is then off).
    init?(_ client: any RedisKeyedClient) {
        if let client = client as? RedisClient {
            self = .single(client)
        } else if let client = client as? RedisClusterClient {
            self = .cluster(client)
        } else {
            return nil
        }
    }

    /// Connections to every node that holds keys now, and the primaries they are (empty on one node).
    struct Connections: Sendable {
        let connections: [RedisConnection]
        let primaries: Set<RedisClusterNode>
    }

    /// Opens one connection to each node that holds keys now (a cluster's slot map is read again first), each handing
    /// pushes to `onPush`. On failure, the connections opened so far are closed.
    func connect(onPush: @escaping @Sendable (RESPValue) -> Void) async throws -> Connections {
        switch self {
        case .single(let client):
            return Connections(connections: [try await client.makeDedicatedConnection(onPush: onPush)], primaries: [])
        case .cluster(let cluster):
            let primaries = try await cluster.refreshTopology().primaries
            var connections: [RedisConnection] = []
            do {
                for primary in primaries {
                    connections.append(try await cluster.makeDedicatedConnection(to: primary, onPush: onPush))
                }
            } catch {
                for connection in connections { await connection.close() }
                throw error
            }
            return Connections(connections: connections, primaries: Set(primaries))
        }
    }

    /// Returns when the connections may no longer hear every write: one of them closed, a tracked node did not
    /// answer its check in time, or (on a cluster) the client's slot map names other primaries or a tracked node is no
    /// longer one. Closes them all before it returns.
    func watch(_ tracked: Connections, checks: CacheNearCacheTracking) async {
        await withTaskGroup(of: Void.self) { group in
            for connection in tracked.connections {
                group.addTask { try? await connection.closeFuture.get() }
            }
            group.addTask { await check(tracked, checks) }
            await group.next()
            for connection in tracked.connections { await connection.close() }
            group.cancelAll()
        }
    }

    /// Returns once a check of `tracked` fails, or when cancelled.
    private func check(_ tracked: Connections, _ checks: CacheNearCacheTracking) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: checks.checkInterval)
            } catch {
                return
            }
            switch self {
            case .single:
                for connection in tracked.connections where !(await Self.answers(connection, within: checks.checkTimeout)) { return }
            case .cluster(let cluster):
                if Set(cluster.topology?.primaries ?? []) != tracked.primaries { return }
                for connection in tracked.connections where !(await Self.isPrimary(connection, within: checks.checkTimeout)) {
                    // Read the slot map now: the cluster client may not have seen the failover yet either.
                    _ = try? await cluster.refreshTopology()
                    return
                }
            }
        }
    }

    /// Whether the node behind `connection` answers `PING` in time.
    private static func answers(_ connection: RedisConnection, within timeout: Duration) async -> Bool {
        (try? await connection.execute(RedisCommand("PING"), timeout: timeout)) != nil
    }

    /// Whether the node behind `connection` answers `ROLE` in time, as a primary.
    private static func isPrimary(_ connection: RedisConnection, within timeout: Duration) async -> Bool {
        guard case .array(let parts)? = try? await connection.execute(RedisCommand("ROLE"), timeout: timeout), let role = parts.first else {
            return false
        }
        return (try? role.text()) == "master"
    }
}
