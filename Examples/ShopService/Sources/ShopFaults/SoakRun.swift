import Foundation

/// One minute of a soak run.
public struct SoakMinute: Sendable {
    /// 1 for the first minute.
    public var minute: Int
    /// Reads and writes answered in the minute.
    public var reads: Int
    public var writes: Int
    /// Responses with a 5xx status (target 0).
    public var serverErrors: Int
    /// Hits among the cached reads.
    public var hitRate: Double
    /// Milliseconds.
    public var p50: Double
    public var p99: Double
    /// The service's resident memory (`VmRSS`, kB) and open file descriptors at the minute's end.
    public var residentKilobytes: Int
    public var openFiles: Int
    /// `cache_repairs_pending` at the minute's end.
    public var repairsPending: Int
    /// Stale reads seen in the minute (target 0).
    public var staleReads: Int
}

/// A long mixed load on one redis-server (not in CI): the load of the fault matrix, without faults, sampled per
/// minute, to show that memory, descriptors, the repair queue and p99 stay flat.
public enum SoakRun {
    /// Runs `minutes` minutes and returns one row per minute; `progress` hears each as it ends.
    public static func run(minutes: Int, options: FaultMatrixOptions, progress: @escaping @Sendable (String) -> Void = { print($0) }) async throws -> [SoakMinute] {
        let stage = try await FaultStage.start(.server, options: options)
        var rows: [SoakMinute] = []
        do {
            stage.load.start()
            progress("soak: \(minutes) minutes, \(options.connections) connections and a writer (one write every \(options.writeInterval)), service pid \(stage.service.processID)")
            for minute in 1...max(1, minutes) {
                try await Task.sleep(for: .seconds(60))
                let (reads, writes, stale) = stage.load.take()
                let metrics = try await ServiceMetrics.read(host: "127.0.0.1", port: stage.service.port)
                let figures = WindowFigures(reads)
                let row = SoakMinute(
                    minute: minute, reads: reads.count, writes: writes.count,
                    serverErrors: reads.filter { $0.status >= 500 }.count + writes.filter { $0.status >= 500 }.count,
                    hitRate: figures.reads == 0 ? 0 : Double(figures.hits) / Double(max(1, figures.hits + figures.misses + figures.bypasses)),
                    p50: figures.p50, p99: figures.p99,
                    residentKilobytes: residentKilobytes(of: stage.service.processID), openFiles: openFiles(of: stage.service.processID),
                    repairsPending: metrics.repairsPending, staleReads: stale.count)
                rows.append(row)
                progress(line(row))
            }
        } catch {
            await stage.stop()
            throw error
        }
        await stage.stop()
        return rows
    }

    /// `VmRSS` of `/proc/<pid>/status`, in kB (0 when unreadable).
    static func residentKilobytes(of processID: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(processID)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Entries of `/proc/<pid>/fd` (0 when unreadable).
    static func openFiles(of processID: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(processID)/fd"))?.count ?? 0
    }

    static func line(_ row: SoakMinute) -> String {
        String(
            format: "| %d | %d | %d | %d | %.2f%% | %.2f | %.2f | %d | %d | %d | %d |",
            row.minute, row.reads, row.writes, row.serverErrors, row.hitRate * 100, row.p50, row.p99, row.residentKilobytes, row.openFiles,
            row.repairsPending, row.staleReads)
    }

    /// The per-minute table in Markdown, and the growth of each figure from minute 5 to the last.
    public static func table(_ rows: [SoakMinute]) -> String {
        var lines = [
            "| minute | reads | writes | 5xx | hit rate | p50 ms | p99 ms | RSS kB | open fds | repairs pending | stale reads |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += rows.map(line)
        if rows.count >= 6 {
            let fifth = rows[4], last = rows[rows.count - 1]
            func growth(_ from: Double, _ to: Double) -> String {
                from == 0 ? (to == 0 ? "0 → 0" : "0 → \(to)") : String(format: "%+.1f%%", (to - from) / from * 100)
            }
            lines.append("")
            lines.append(
                "Growth from minute 5 to minute \(last.minute): RSS \(growth(Double(fifth.residentKilobytes), Double(last.residentKilobytes))), "
                    + "open fds \(growth(Double(fifth.openFiles), Double(last.openFiles))), repairs pending \(fifth.repairsPending) → \(last.repairsPending), "
                    + "p99 \(growth(fifth.p99, last.p99)).")
        }
        return lines.joined(separator: "\n")
    }
}
