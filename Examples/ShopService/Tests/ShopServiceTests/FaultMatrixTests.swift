import Foundation
import ShopFaults
import Testing

/// The short fault matrix of CI: the built service under load while Redis is stopped, killed and restarted, and
/// blackholed and reset by the fault proxy. Bounds are loose (a loaded two-core machine, a debug build): no 5xx,
/// hits come back, nothing written during a fault is read back stale. Latency is the full matrix's business
/// (`shop-faults`, the README's "Fault matrix"), not a test's.
@Suite("Fault matrix (short)")
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
            #expect(result.writesDuringFault > 0, "\(result.summary)")
            #expect(result.repairsDrainedAfter != nil, "\(result.summary)")
            // Hits come back; 10 s is far above what is measured (under a second), for a busy machine.
            let hitsBack = try #require(result.hitsBackAfter, "\(result.summary)")
            #expect(hitsBack < 10, "\(result.summary)")
        }
    }
}
