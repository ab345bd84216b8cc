/// What a stampede run's worker processes log (`cache-race stampede`): every `getOrSet` call on the round's cold key,
/// every loader call, and each process's cache errors per round; and what the run shows once every log is in.
public enum StampedeEvent: Sendable, Hashable {
    /// A caller's `getOrSet` in `round` by process `process`, from `start` to `end`, answered from `source` (`hit`,
    /// `miss`, `bypass`).
    case call(round: Int, process: Int, start: UInt64, end: UInt64, source: String)
    /// A loader call.
    case load(round: Int, process: Int, start: UInt64, end: UInt64)
    /// The process's cache errors and lease timeouts (`cache_errors_total`, `cache_lease_timeouts_total`) during the
    /// round.
    case errors(round: Int, process: Int, count: Int)

    /// One log line: tab-separated fields.
    public var line: String {
        switch self {
        case .call(let round, let process, let start, let end, let source): "C\t\(round)\t\(process)\t\(start)\t\(end)\t\(source)"
        case .load(let round, let process, let start, let end): "L\t\(round)\t\(process)\t\(start)\t\(end)"
        case .errors(let round, let process, let count): "E\t\(round)\t\(process)\t\(count)"
        }
    }

    /// Parses a line written by ``line``; `nil` for anything else.
    public init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 4, let round = Int(fields[1]), let process = Int(fields[2]) else { return nil }
        switch (fields[0], fields.count) {
        case ("C", 6):
            guard let start = UInt64(fields[3]), let end = UInt64(fields[4]) else { return nil }
            self = .call(round: round, process: process, start: start, end: end, source: String(fields[5]))
        case ("L", 5):
            guard let start = UInt64(fields[3]), let end = UInt64(fields[4]) else { return nil }
            self = .load(round: round, process: process, start: start, end: end)
        case ("E", 4):
            guard let count = Int(fields[3]) else { return nil }
            self = .errors(round: round, process: process, count: count)
        default:
            return nil
        }
    }
}

/// One round of a stampede run: how many loads its cold key cost across every process, and how long the callers of
/// the processes that did not load waited beyond the load.
public struct StampedeRound: Sendable, Hashable {
    public var round: Int
    /// Loader calls in every process.
    public var loads = 0
    /// Cache errors (timeouts, unreachable Redis) and lease timeouts in every process: a round with them may rightly
    /// load more than once (fail-open).
    public var errors = 0
    /// Callers of the round.
    public var calls = 0
    /// When the first loader call of the round started.
    public var firstLoadStart: UInt64?
    /// For each caller of a process that ran no loader and that called before the first load ended (it waited for
    /// another process's value): nanoseconds from the end of that load to its answer.
    public var addedLatencies: [UInt64] = []

    public init(round: Int) {
        self.round = round
    }

    /// The rounds of a run, in order.
    public static func rounds(_ events: [StampedeEvent]) -> [StampedeRound] {
        var rounds: [Int: StampedeRound] = [:]
        var loadEnds: [Int: UInt64] = [:]
        var loadingProcesses: Set<[Int]> = []
        for event in events {
            switch event {
            case .load(let round, let process, let start, let end):
                var entry = rounds[round] ?? StampedeRound(round: round)
                entry.loads += 1
                entry.firstLoadStart = min(entry.firstLoadStart ?? .max, start)
                rounds[round] = entry
                loadEnds[round] = min(loadEnds[round] ?? .max, end)
                loadingProcesses.insert([round, process])
            case .errors(let round, _, let count):
                rounds[round, default: StampedeRound(round: round)].errors += count
            case .call(let round, _, _, _, _):
                rounds[round, default: StampedeRound(round: round)].calls += 1
            }
        }
        for case .call(let round, let process, let start, let end, _) in events {
            guard let loadEnd = loadEnds[round], start < loadEnd, !loadingProcesses.contains([round, process]) else { continue }
            rounds[round]?.addedLatencies.append(end > loadEnd ? end - loadEnd : 0)
        }
        return rounds.values.sorted { $0.round < $1.round }
    }
}
