/// Which repairs one round of the repair loop still attempts after some failed: those on other nodes.
///
/// On one node a failure means Redis is not taking writes, so the round stops at the first one (its repairs would
/// fail the same way, each waiting out a deadline). On a cluster a failure usually means one primary is down — until
/// its replica is promoted, seconds — and repairs on the healthy primaries must not wait behind it: their keys are
/// bypassed in this process and, worse, may still hold the value from before the write in Redis, where other
/// processes read it. So a round skips only repairs that touch a node that failed in it.
struct CacheRepairRound {
    /// The nodes whose repairs failed in this round.
    private var failedNodes: Set<String> = []
    /// A repair whose nodes are not known (or that touches every node) failed: nothing more is attempted.
    private var stopped = false

    /// Whether a repair touching `nodes` is attempted; `nil` means every node, or not known.
    func attempts(_ nodes: Set<String>?) -> Bool {
        if stopped { return false }
        guard let nodes else { return failedNodes.isEmpty }
        return failedNodes.isDisjoint(with: nodes)
    }

    /// Records that a repair touching `nodes` failed; `nil` ends the round.
    mutating func failed(_ nodes: Set<String>?) {
        guard let nodes, !nodes.isEmpty else {
            stopped = true
            return
        }
        failedNodes.formUnion(nodes)
    }

    /// Whether any repair failed in this round.
    var hasFailures: Bool { stopped || !failedNodes.isEmpty }
}
