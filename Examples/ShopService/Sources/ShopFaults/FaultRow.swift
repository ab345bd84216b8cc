/// One fault of the matrix, injected while the service is under load.
public enum FaultRow: String, CaseIterable, Sendable {
    /// redis-server killed (SIGKILL) and started again on its port after the fault's duration, empty (no persistence).
    case restart
    /// redis-server stopped (SIGSTOP) for the fault's duration, then continued (SIGCONT): it accepts connections and
    /// answers nothing.
    case sigstop
    /// `DEBUG SLEEP` for the fault's duration: the server blocks in a command, then answers everything it queued.
    case debugSleep = "debug-sleep"
    /// The fault proxy holds every byte: neither replies nor errors, as a link that drops packets.
    case blackhole
    /// The fault proxy resets every connection, and every new one.
    case reset
    /// The fault proxy adds 50 ms ± 25 ms to every round trip.
    case slow
    /// `maxmemory` reached with `noeviction`: every write fails with `OOM`, reads still answer.
    case maxmemory
    /// On a local Redis Cluster (3 primaries, 3 replicas): a replica takes over its primary (`CLUSTER FAILOVER`).
    case failover
    /// On the local cluster: the slots of some hot users move to another primary under load.
    case slotMigration = "slot-migration"

    /// What the service caches in for this row.
    enum Setup: Int, Comparable {
        /// One redis-server, the service connected to it directly.
        case server
        /// One redis-server behind the fault proxy.
        case proxy
        /// A local Redis Cluster.
        case cluster

        static func < (lhs: Setup, rhs: Setup) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    var setup: Setup {
        switch self {
        case .restart, .sigstop, .debugSleep, .maxmemory: .server
        case .blackhole, .reset, .slow: .proxy
        case .failover, .slotMigration: .cluster
        }
    }

    /// Whether the fault lasts the run's fault duration (otherwise as long as the operation takes).
    var isTimed: Bool { setup != .cluster }

    /// The row's name in the table.
    public var title: String {
        switch self {
        case .restart: "Redis killed, restarted empty"
        case .sigstop: "Redis stopped (SIGSTOP)"
        case .debugSleep: "DEBUG SLEEP"
        case .blackhole: "connection blackholed"
        case .reset: "connections reset"
        case .slow: "50 ms ± 25 ms added"
        case .maxmemory: "maxmemory, noeviction (OOM)"
        case .failover: "cluster failover"
        case .slotMigration: "cluster slot migration"
        }
    }
}
