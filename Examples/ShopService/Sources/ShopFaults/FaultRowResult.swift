import Foundation
import ShopLoad

/// The reads of one window of a row: how many, where their answers came from, and their latency.
public struct WindowFigures: Sendable {
    /// Reads sent in the window.
    public var reads = 0
    /// Their `X-Cache` answers.
    public var hits = 0
    public var misses = 0
    public var bypasses = 0
    /// Milliseconds, from sending the request to reading the whole response.
    public var p50 = 0.0
    public var p99 = 0.0

    init(_ samples: [ReadSample]) {
        reads = samples.count
        var latencies: [Double] = []
        latencies.reserveCapacity(samples.count)
        for sample in samples {
            switch sample.source {
            case .hit: hits += 1
            case .miss: misses += 1
            case .bypass: bypasses += 1
            case .uncached, .failed: break
            }
            latencies.append(sample.latencyMilliseconds)
        }
        latencies.sort()
        p50 = percentile(0.5, ofSorted: latencies)
        p99 = percentile(0.99, ofSorted: latencies)
    }

    /// Bypasses among the reads that looked at the cache.
    public var bypassShare: Double {
        let lookups = hits + misses + bypasses
        return lookups == 0 ? 0 : Double(bypasses) / Double(lookups)
    }
}

/// What one fault did to the service under load.
public struct FaultRowResult: Sendable {
    /// The fault.
    public var row: FaultRow
    /// How long the fault lasted, from its start to the moment the path to Redis was whole again.
    public var faultSeconds: Double
    /// Responses with a 5xx status, reads and writes, over the row's windows (target 0).
    public var serverErrors: Int
    /// Requests that got no response at all.
    public var failedRequests: Int
    /// The reads sent before the fault (the row's first window), and during it.
    public var before: WindowFigures
    public var during: WindowFigures
    /// The reads of the fault from 0.5 s on: after the first deadline (the runtime's 250 ms read deadline) has passed,
    /// when the circuit breaker can have opened.
    public var duringPastFirstDeadline: WindowFigures
    /// The reads sent in the window after the fault ended.
    public var after: WindowFigures
    /// Seconds from the end of the fault until the first hit of a read sent after it; `nil`: none in the after window.
    public var hitsBackAfter: Double?
    /// Seconds from the end of the fault to the end of the last bypassed read sent after it; `nil`: none.
    public var lastBypassAfter: Double?
    /// Failed cache writes and invalidations queued for repair during the row, and seconds from the end of the fault
    /// until none was pending (`nil`: still pending when the settle limit ran out).
    public var repairsQueued: Int
    public var repairsDrainedAfter: Double?
    /// Times a circuit breaker opened during the row.
    public var breakerOpenings: Int
    /// Writes sent during the fault, and those whose cache update failed (`X-Cache-Write: failed`).
    public var writesDuringFault: Int
    public var cacheWritesFailed: Int
    /// Reads that returned an older user than a write completed before they started, over the row's windows.
    public var staleReads: [String]
    /// Users written during the fault, read once the fault was over and the cache answered again: how many, how many
    /// came back older than their last completed write, and how many the cache still did not answer for (bypass)
    /// when the settle limit ran out.
    public var entitiesChecked: Int
    public var entitiesStale: Int
    public var entitiesUnsettled: Int

    /// One line for the progress output.
    public var summary: String {
        func ms(_ value: Double) -> String { String(format: "%.1f", value) }
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.2f s", $0) } ?? "never" }
        return "\(row.rawValue): fault \(String(format: "%.1f", faultSeconds)) s; 5xx \(serverErrors), no response \(failedRequests); "
            + "bypass \(String(format: "%.1f%%", during.bypassShare * 100)) during; "
            + "p50/p99 ms before \(ms(before.p50))/\(ms(before.p99)), during \(ms(during.p50))/\(ms(during.p99)) "
            + "(from 0.5 s: \(ms(duringPastFirstDeadline.p50))/\(ms(duringPastFirstDeadline.p99))), after \(ms(after.p50))/\(ms(after.p99)); "
            + "reads before/during/after \(before.reads)/\(during.reads)/\(after.reads); "
            + "hits back after \(seconds(hitsBackAfter)), last bypass \(lastBypassAfter.map { String(format: "%.2f s", $0) } ?? "none") after; "
            + "repairs \(repairsQueued) queued, drained \(seconds(repairsDrainedAfter)) after; breaker opened \(breakerOpenings)×; "
            + "writes during \(writesDuringFault) (\(cacheWritesFailed) cache updates failed); stale reads \(staleReads.count); "
            + "written during the fault and read back: \(entitiesChecked), stale \(entitiesStale), unsettled \(entitiesUnsettled)"
    }
}
