import CacheSchemaRESP
import CacheSchemaRedis

/// The nodes whose writes a near cache must hear about, and how its tracking connections reach them: the one node of
/// a ``RedisClient``, or every primary of a ``RedisClusterClient``.
///
/// On a cluster only primaries take writes, so one connection per primary hears every write. What can go unheard is
/// a change of the primaries themselves: a primary added, or a replica promoted (a failover). After a failover the
/// old primary's connection may stay open; as a replica it still pushes for the writes it replicates (Redis 7.0),
/// but only once it has replicated them, which a broken link delays without bound. So ``watch(_:)`` looks for both
/// changes every ``checkInterval`` and ends the connections' time when it sees one: the near cache empties and
/// tracks the new primaries.
enum CacheTrackedNodes: Sendable {
    case single(RedisClient)
    case cluster(RedisClusterClient)

    /// How often a cluster's tracked nodes are checked: the longest a failover goes unnoticed by the near cache.
    static let checkInterval = Duration.milliseconds(250)

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

    /// Returns when the connections no longer hear every write: one of them closed, or (on a cluster) the client's
    /// slot map names other primaries, or a tracked node stopped being a primary or answering `ROLE`. Closes them all
    /// before it returns.
    func watch(_ tracked: Connections) async {
        await withTaskGroup(of: Void.self) { group in
            for connection in tracked.connections {
                group.addTask { try? await connection.closeFuture.get() }
            }
            if case .cluster(let cluster) = self {
                group.addTask { await Self.watchPrimaries(of: cluster, tracked) }
            }
            await group.next()
            for connection in tracked.connections { await connection.close() }
            group.cancelAll()
        }
    }

    /// Returns once `tracked` no longer covers the cluster's primaries, or when cancelled.
    private static func watchPrimaries(of cluster: RedisClusterClient, _ tracked: Connections) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: checkInterval)
            } catch {
                return
            }
            if Set(cluster.topology?.primaries ?? []) != tracked.primaries { return }
            for connection in tracked.connections {
                guard await isPrimary(connection, timeout: cluster.configuration.commandTimeout) else {
                    // Read the slot map now: the cluster client may not have seen the failover yet either.
                    _ = try? await cluster.refreshTopology()
                    return
                }
            }
        }
    }

    /// Whether the node behind `connection` answers `ROLE` as a primary.
    private static func isPrimary(_ connection: RedisConnection, timeout: Duration) async -> Bool {
        guard case .array(let parts)? = try? await connection.execute(RedisCommand("ROLE"), timeout: timeout), let role = parts.first else {
            return false
        }
        return (try? role.text()) == "master"
    }
}
