/// Checks the runtime's promise on the events of every harness process: no read that started after a write of its
/// record completed returned an older version of that record.
///
/// With a near cache, another process learns of a write by Redis's invalidation push, which arrives a moment after the
/// write returned: a read in *another* process may return the older version for that long (the push window), a read in
/// the *writing* process never.
public enum RaceChecker {
    /// A read that returned a version older than a write completed before it started.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        /// The record.
        public let record: Int
        /// What the read returned, and when it started.
        public let readVersion: UInt64
        public let readStart: UInt64
        public let readSource: String
        /// The newest version whose write had completed when the read started (in the reading process, or in
        /// another one longer than the push window before), and when that write completed.
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
        /// Reads in another process than a write's, started within the push window after it completed, that returned
        /// an older version (allowed), and the longest such lag in nanoseconds (write completed → read started).
        public var lateReads = 0
        public var longestLag: UInt64 = 0
    }

    /// Checks `events` (of all processes, in any order) as if one process had logged them all: every completed write
    /// binds every later read.
    public static func check(_ events: [RaceEvent]) -> Report {
        check(processes: [events], pushWindow: 0)
    }

    /// Checks the events of each process: a completed write binds every read of its own process that started after
    /// it, and every read of another process that started more than `pushWindow` nanoseconds after it.
    public static func check(processes: [[RaceEvent]], pushWindow: UInt64) -> Report {
        var report = Report()
        var completed: [Int: [Write]] = [:]
        var reads: [Read] = []
        for (process, events) in processes.enumerated() {
            for event in events {
                switch event {
                case .read(let record, let start, _, let version, let source):
                    report.reads += 1
                    report.readsBySource[source, default: 0] += 1
                    reads.append(Read(record: record, process: process, start: start, version: version, source: source))
                case .write(let record, _, _, let end, let version, let isCompleted):
                    report.writes += 1
                    if isCompleted {
                        completed[record, default: []].append(Write(process: process, end: end, version: version))
                    } else {
                        report.failedWrites += 1
                    }
                }
            }
        }
        // Per record: the newest version completed by each instant, over every process and over each one.
        var everywhere: [Int: NewestByTime] = [:]
        var byProcess: [Int: [Int: NewestByTime]] = [:]
        for (record, writes) in completed {
            everywhere[record] = NewestByTime(writes)
            byProcess[record] = Dictionary(grouping: writes, by: \.process).mapValues(NewestByTime.init)
        }
        for read in reads.sorted(by: { $0.start < $1.start }) {
            guard let all = everywhere[read.record] else { continue }
            // Binding: the reader's own writes completed before it started, everyone's completed a window earlier.
            let own = byProcess[read.record]?[read.process]?.newest(before: read.start)
            let others = read.start > pushWindow ? all.newest(before: read.start - pushWindow) : nil
            let binding = [own, others].compactMap { $0 }.max { $0.version < $1.version }
            if let binding, binding.version > read.version {
                report.violations.append(
                    Violation(
                        record: read.record, readVersion: read.version, readStart: read.start, readSource: read.source,
                        completedVersion: binding.version, completedAt: binding.end))
            } else if let newest = all.newest(before: read.start), newest.version > read.version {
                report.lateReads += 1
                report.longestLag = max(report.longestLag, read.start - newest.end)
            }
        }
        return report
    }

    private struct Read {
        let record: Int
        let process: Int
        let start: UInt64
        let version: UInt64
        let source: String
    }

    private struct Write {
        let process: Int
        let end: UInt64
        let version: UInt64
    }

    /// Completed writes of one record by completion time, each with the highest version completed so far and when
    /// that version's write completed.
    private struct NewestByTime {
        private let steps: [(end: UInt64, version: UInt64, versionEnd: UInt64)]

        init(_ writes: [Write]) {
            var newest: (version: UInt64, end: UInt64) = (0, 0)
            steps = writes.sorted { $0.end < $1.end }.map { write in
                if write.version > newest.version { newest = (write.version, write.end) }
                return (write.end, newest.version, newest.end)
            }
        }

        /// The highest version whose write completed strictly before `instant`, and when it completed.
        func newest(before instant: UInt64) -> (version: UInt64, end: UInt64)? {
            var low = 0, high = steps.count
            while low < high {
                let middle = (low + high) / 2
                if steps[middle].end < instant { low = middle + 1 } else { high = middle }
            }
            return low > 0 ? (steps[low - 1].version, steps[low - 1].versionEnd) : nil
        }
    }
}
