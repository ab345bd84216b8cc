/// Checks the runtime's promise on the events of every harness process: no read that started after a write of its
/// record completed returned an older version of that record.
public enum RaceChecker {
    /// A read that returned a version older than a write completed before it started.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        /// The record.
        public let record: Int
        /// What the read returned, and when it started.
        public let readVersion: UInt64
        public let readStart: UInt64
        public let readSource: String
        /// The newest version whose write had completed when the read started, and when that write completed.
        public let completedVersion: UInt64
        public let completedAt: UInt64

        public var description: String {
            "record \(record): a read (\(readSource)) that started \((readStart - completedAt) / 1000) µs after the write of version "
                + "\(completedVersion) completed returned version \(readVersion)"
        }
    }

    /// What a check found.
    public struct Report: Sendable {
        /// Reads and writes checked.
        public var reads = 0
        public var writes = 0
        /// Writes whose cache call threw (the source changed, the cache repairs itself): not counted as completed.
        public var failedWrites = 0
        /// Reads by where their value came from (`hit`, `miss`, `bypass`).
        public var readsBySource: [String: Int] = [:]
        /// Every stale read, in the order of their start.
        public var violations: [Violation] = []
    }

    /// Checks `events` (of all processes, in any order).
    public static func check(_ events: [RaceEvent]) -> Report {
        var report = Report()
        // Per record: completed writes by completion time, then the highest version completed by each point.
        var completed: [Int: [(end: UInt64, version: UInt64)]] = [:]
        var reads: [(record: Int, start: UInt64, version: UInt64, source: String)] = []
        for event in events {
            switch event {
            case .read(let record, let start, _, let version, let source):
                report.reads += 1
                report.readsBySource[source, default: 0] += 1
                reads.append((record, start, version, source))
            case .write(let record, _, _, let end, let version, let isCompleted):
                report.writes += 1
                if isCompleted {
                    completed[record, default: []].append((end, version))
                } else {
                    report.failedWrites += 1
                }
            }
        }
        // Per record, by completion time: the highest version completed so far, and when its write completed.
        var newestByTime: [Int: [(end: UInt64, version: UInt64, versionEnd: UInt64)]] = [:]
        for (record, writes) in completed {
            var newest: (version: UInt64, end: UInt64) = (0, 0)
            newestByTime[record] = writes.sorted { $0.end < $1.end }.map { write in
                if write.version > newest.version { newest = (write.version, write.end) }
                return (write.end, newest.version, newest.end)
            }
        }
        for read in reads.sorted(by: { $0.start < $1.start }) {
            guard let writes = newestByTime[read.record] else { continue }
            // The last write that completed strictly before the read started.
            var low = 0, high = writes.count
            while low < high {
                let middle = (low + high) / 2
                if writes[middle].end < read.start { low = middle + 1 } else { high = middle }
            }
            guard low > 0 else { continue }
            let newest = writes[low - 1]
            if newest.version > read.version {
                report.violations.append(
                    Violation(
                        record: read.record, readVersion: read.version, readStart: read.start, readSource: read.source,
                        completedVersion: newest.version, completedAt: newest.versionEnd))
            }
        }
        return report
    }
}
