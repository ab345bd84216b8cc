import Testing

@testable import CacheRuntime

/// One round of the repair loop: a failure skips the rest of the round's repairs on its node only.
@Suite struct CacheRepairRoundTests {
    @Test func aFailureSkipsRepairsOnItsNodeAndNoOthers() {
        var round = CacheRepairRound()
        #expect(round.attempts(["a"]))
        round.failed(["a"])
        #expect(round.hasFailures)
        #expect(!round.attempts(["a"]))
        #expect(!round.attempts(["a", "b"]), "a repair that also writes to the failed node waits")
        #expect(round.attempts(["b"]))
        #expect(round.attempts(["b", "c"]))
    }

    @Test func repairsOnEveryNodeRunOnlyWhileNothingFailed() {
        var round = CacheRepairRound()
        #expect(round.attempts(nil))
        #expect(!round.hasFailures)
        round.failed(["a"])
        #expect(!round.attempts(nil), "a SCAN deletion reaches the failed node too")
        #expect(round.attempts(["b"]))
    }

    @Test func aFailureOnEveryNodeOrAnUnknownOneEndsTheRound() {
        var round = CacheRepairRound()
        round.failed(nil)
        #expect(round.hasFailures)
        #expect(!round.attempts(["b"]))
        #expect(!round.attempts(nil))

        var empty = CacheRepairRound()
        empty.failed([])
        #expect(!empty.attempts(["b"]), "a repair that names no node is taken as one on every node")
    }

    @Test func aKeyRepairRoutesByItsKeyAndAPatternDeletionByEveryNode() {
        let deletion = CacheRepairQueue.Action.delete(key: "shop:user:{42}", name: "user", indexKeys: [], generationKeys: [], foreignGenerationKeys: [])
        #expect(deletion.routingKeys == ["shop:user:{42}"])
        #expect(CacheRepairQueue.Action.deletePattern(glob: "shop:*", namespace: "shop").routingKeys == nil)
    }
}
