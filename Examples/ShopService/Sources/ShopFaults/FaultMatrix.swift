import Foundation
import ShopLoad
import Synchronization

/// The fault matrix: the service under load, one fault at a time, and what each did (see the example's README,
/// "Fault matrix").
///
/// Per setup (one redis-server; one behind the fault proxy; a local Redis Cluster) it starts Redis, the built service
/// on it, and the load (``LoadGenerator``), warms the cache up, then runs each row: a window before the fault, the
/// fault, a window after it; then it waits for the repair queue to drain and reads back every user written during the
/// fault.
public enum FaultMatrix {
    /// Runs `options.rows` and returns a result per row, in the order run; `progress` hears what happens.
    public static func run(_ options: FaultMatrixOptions, progress: @escaping @Sendable (String) -> Void = { print($0) }) async throws -> [FaultRowResult] {
        var results: [FaultRowResult] = []
        for setup in Set(options.rows.map(\.setup)).sorted() {
            progress("[\(setup)] starting Redis and the service…")
            let stage = try await FaultStage.start(setup, options: options)
            do {
                stage.load.start()
                progress("[\(setup)] warming up for \(options.warmup) with \(options.connections) connections and a writer…")
                try await Task.sleep(for: options.warmup)
                _ = stage.load.take()
                for row in options.rows where row.setup == setup {
                    progress("[\(row.rawValue)] \(row.title)…")
                    let result = try await run(row, on: stage, options: options)
                    progress(result.summary)
                    if result.serverErrors > 0 || !result.staleReads.isEmpty {
                        progress("service log (last lines):\n\(stage.service.log.suffix(3000))")
                    }
                    results.append(result)
                }
            } catch {
                await stage.stop()
                throw error
            }
            await stage.stop()
        }
        return results
    }

    private static func run(_ row: FaultRow, on stage: FaultStage, options: FaultMatrixOptions) async throws -> FaultRowResult {
        let service = stage.service
        let startMetrics = try await ServiceMetrics.read(host: "127.0.0.1", port: service.port)
        let rowStart = monotonicNanoseconds()
        try await Task.sleep(for: options.before)

        let faultStart = monotonicNanoseconds()
        try await stage.inject(row, duration: options.fault, short: options.short)
        let faultEnd = monotonicNanoseconds()

        // From the end of the fault: when the repair queue is empty again.
        let settleDeadline = faultEnd + UInt64((options.after + options.settleLimit).seconds * 1e9)
        let drained = Task { () -> UInt64? in
            while monotonicNanoseconds() < settleDeadline {
                if let metrics = try? await ServiceMetrics.read(host: "127.0.0.1", port: service.port), metrics.repairsPending == 0 {
                    return monotonicNanoseconds()
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }
        try await Task.sleep(for: options.after)
        let afterEnd = monotonicNanoseconds()
        let drainedAt = await drained.value
        let endMetrics = try await ServiceMetrics.read(host: "127.0.0.1", port: service.port)

        // Every user written during the fault, read back once the cache answers for it again.
        let (reads, writes, stale) = stage.load.take()
        let writtenDuring = writes.filter { $0.start >= faultStart && $0.start < faultEnd }
        let users = Set(writtenDuring.compactMap(\.user))
        try await stage.load.pauseWrites()
        let check = try await readBack(users: users, stage: stage, until: max(settleDeadline, monotonicNanoseconds() + 2_000_000_000))
        stage.load.resumeWrites()

        func window(_ range: Range<UInt64>) -> WindowFigures { WindowFigures(reads.filter { range.contains($0.start) }) }
        let measured = reads.filter { $0.start >= rowStart }
        let afterFault = measured.filter { $0.start >= faultEnd }
        let firstHit = afterFault.filter { $0.source == .hit }.map(\.end).min()
        let lastBypass = afterFault.filter { $0.source == .bypass }.map(\.end).max()
        func since(_ time: UInt64?) -> Double? { time.map { Double($0 > faultEnd ? $0 - faultEnd : 0) / 1e9 } }
        let rowWrites = writes.filter { $0.start >= rowStart }
        return FaultRowResult(
            row: row,
            faultSeconds: Double(faultEnd - faultStart) / 1e9,
            serverErrors: measured.filter { $0.status >= 500 }.count + rowWrites.filter { $0.status >= 500 }.count,
            failedRequests: measured.filter { $0.status == 0 }.count + rowWrites.filter { $0.status == 0 }.count,
            before: window(rowStart..<faultStart),
            during: window(faultStart..<faultEnd),
            duringPastFirstDeadline: window(min(faultStart + 500_000_000, faultEnd)..<faultEnd),
            after: window(faultEnd..<afterEnd),
            hitsBackAfter: since(firstHit),
            lastBypassAfter: since(lastBypass),
            repairsQueued: endMetrics.repairsQueued(since: startMetrics),
            repairsDrainedAfter: since(drainedAt),
            breakerOpenings: endMetrics.breakerOpenings - startMetrics.breakerOpenings,
            writesDuringFault: writtenDuring.count,
            cacheWritesFailed: writtenDuring.filter(\.cacheWriteFailed).count,
            staleReads: stale.filter { $0.at >= rowStart }.map(\.description) + check.stale,
            entitiesChecked: users.count,
            entitiesStale: check.stale.count,
            entitiesUnsettled: check.unsettled)
    }

    /// Reads each user once the cache answers for it (`X-Cache` hit or miss, retrying a bypass until `until`), and
    /// compares the version with the ledger: at least the last completed write, at most the last one sent.
    private static func readBack(users: Set<Int>, stage: FaultStage, until deadline: UInt64) async throws -> (stale: [String], unsettled: Int) {
        let target = stage.load.target
        let ledger = stage.load.ledger
        return try await onThread {
            let connection = HTTPConnection(host: target.host, port: target.port, timeout: .seconds(30))
            defer { connection.disconnect() }
            var stale: [String] = []
            var unsettled = 0
            for user in users.sorted() {
                while true {
                    let reply = try? connection.request("GET", "/users/\(target.users[user])")
                    let source = reply?.headers["x-cache"]
                    if let reply, reply.status == 200, source == "hit" || source == "miss" {
                        let version = VersionLedger.version(inBody: reply.body)
                        let (completed, attempted) = ledger.versions(of: user)
                        if version < completed || version > attempted {
                            stale.append("read back after the fault: user \(target.users[user]) has version \(version) (X-Cache \(source!)), last written \(completed)")
                        }
                        break
                    }
                    if reply == nil { connection.disconnect() }
                    guard monotonicNanoseconds() < deadline else {
                        unsettled += 1
                        break
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            return (stale, unsettled)
        }
    }

    /// The results as one Markdown table (milliseconds, seconds, counts), with a line on the breaker's target under it.
    public static func table(_ results: [FaultRowResult]) -> String {
        func ms(_ figures: WindowFigures) -> String { String(format: "%.1f / %.1f", figures.p50, figures.p99) }
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.2f s", $0) } ?? "—" }
        var lines = [
            "| fault | lasted | 5xx | bypass share during | p50 / p99 before (ms) | p50 / p99 during | p99 during from 0.5 s | p50 / p99 after | hits back after | last bypass after | repairs queued / drained after | stale reads |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for result in results {
            let stale = "\(result.staleReads.count) (\(result.entitiesChecked) written during the fault read back\(result.entitiesUnsettled > 0 ? ", \(result.entitiesUnsettled) unsettled" : ""))"
            lines.append(
                "| \(result.row.title) | \(String(format: "%.1f s", result.faultSeconds)) | \(result.serverErrors) | "
                    + String(format: "%.1f%%", result.during.bypassShare * 100) + " | \(ms(result.before)) | \(ms(result.during)) | "
                    + (result.duringPastFirstDeadline.reads == 0 ? "—" : String(format: "%.1f", result.duringPastFirstDeadline.p99)) + " | \(ms(result.after)) | \(seconds(result.hitsBackAfter)) | "
                    + "\(seconds(result.lastBypassAfter)) | \(result.repairsQueued) / \(seconds(result.repairsDrainedAfter)) | \(stale) |")
        }
        if let stop = results.first(where: { $0.row == .sigstop }), stop.before.p99 > 0 {
            lines.append("")
            lines.append(String(
                format: "Circuit breaker (SIGSTOP row): p99 during the stall from 0.5 s on %.1f ms = %.2f× the p99 before (%.1f ms); target ≤ 2×; the breaker opened %d×.",
                stop.duringPastFirstDeadline.p99, stop.duringPastFirstDeadline.p99 / stop.before.p99, stop.before.p99, stop.breakerOpenings))
        }
        return lines.joined(separator: "\n")
    }
}
