import Foundation
import Testing

@testable import ShopFaults

/// The short fault matrix of CI: the built service under load while Redis is stopped, killed and restarted, and
/// blackholed and reset by the fault proxy. Bounds are loose (a loaded two-core machine, a debug build): no 5xx,
/// hits come back, nothing written during a fault is read back stale. Latency is the full matrix's business
/// (`shop-faults`, the README's "Fault matrix"), not a test's. Then the runner's pure parts: the version ledger and
/// the metrics it reads.
@Suite("Fault matrix")
struct FaultMatrixTests {
    @Test("under load, faults of Redis cost no 5xx and no stale read, and hits come back", .timeLimit(.minutes(10)))
    func shortMatrix() async throws {
        let options = FaultMatrixOptions.short(
            serviceBinary: try EndToEndTests.executable().path, rows: [.sigstop, .restart, .blackhole, .reset])
        let results = try await FaultMatrix.run(options) { _ in }
        #expect(results.map(\.row) == options.rows)
        for result in results {
            #expect(result.serverErrors == 0, "\(result.summary)")
            #expect(result.failedRequests == 0, "\(result.summary)")
            #expect(result.staleReads.isEmpty, "\(result.staleReads.prefix(5)) — \(result.summary)")
            #expect(result.entitiesUnsettled == 0, "\(result.summary)")
            #expect(result.during.bypasses > 0, "the fault reached the service: \(result.summary)")
            #expect(result.repairsDrainedAfter != nil, "\(result.summary)")
            // Hits come back; 10 s is far above what is measured (under a second), for a busy machine.
            let hitsBack = try #require(result.hitsBackAfter, "\(result.summary)")
            #expect(hitsBack < 10, "\(result.summary)")
        }
        // A write that straddles a fault's start can hold the writer for its deadlines: not every 2 s fault sees one.
        #expect(results.map(\.writesDuringFault).reduce(0, +) > 0, "\(results.map(\.summary))")
    }

    @Test("the version a read returns is the number in the writer's name, 0 for any other name")
    func versionsInBodies() {
        func body(_ name: String) -> [UInt8] { Array(#"{"email":"a@b.example","id":"x","name":"\#(name)"}"#.utf8) }
        #expect(VersionLedger.version(inBody: body(VersionLedger.name(version: 1234))) == 1234)
        #expect(VersionLedger.version(inBody: body("Ada Lovelace 1")) == 0)
        #expect(VersionLedger.version(inBody: []) == 0)
        let ledger = VersionLedger(users: 2)
        let first = ledger.attempt(user: 1)
        let second = ledger.attempt(user: 1)
        ledger.complete(user: 1, version: second)
        ledger.complete(user: 1, version: first)  // a late answer never moves the completed version back
        #expect(ledger.versions(of: 1) == (second, second))
        #expect(ledger.versions(of: 0) == (0, 0))
    }

    @Test("repairs and breaker openings are read from the service's Prometheus text")
    func metricsParse() {
        let text = """
            # TYPE cache_repairs_pending gauge
            cache_repairs_pending 3.0
            cache_repairs_total{result="done"} 40
            cache_repairs_total{result="dropped"} 1
            redis_client_circuit_opened_total 2
            cache_hits_total{key="user"} 99
            """
        let metrics = ServiceMetrics.parse(text)
        #expect(metrics.repairsPending == 3 && metrics.repairsDone == 40 && metrics.repairsDropped == 1 && metrics.breakerOpenings == 2)
        let earlier = ServiceMetrics(repairsPending: 5, repairsDone: 30, repairsDropped: 1, breakerOpenings: 0)
        #expect(metrics.repairsQueued(since: earlier) == 8, "10 done since, and 2 fewer pending")
    }
}
