/// What a worker's cache counted that its events do not show: how often early refresh, the stale window and the
/// near cache acted. The worker writes it as its log's last line, which the event parser skips.
struct WorkerCounts: Sendable, Equatable {
    var refreshes = 0
    var staleHits = 0
    var nearHits = 0

    /// The log line.
    var line: String { "F\t\(refreshes)\t\(staleHits)\t\(nearHits)" }

    /// The counts of a ``line``, or `nil` for another line.
    init?(line: Substring) {
        let fields = line.split(separator: "\t")
        guard fields.count == 4, fields[0] == "F" else { return nil }
        let numbers = fields.dropFirst().compactMap { Int($0) }
        guard numbers.count == 3 else { return nil }
        (refreshes, staleHits, nearHits) = (numbers[0], numbers[1], numbers[2])
    }

    init(refreshes: Int, staleHits: Int, nearHits: Int) {
        (self.refreshes, self.staleHits, self.nearHits) = (refreshes, staleHits, nearHits)
    }

    static func + (lhs: WorkerCounts, rhs: WorkerCounts) -> WorkerCounts {
        WorkerCounts(refreshes: lhs.refreshes + rhs.refreshes, staleHits: lhs.staleHits + rhs.staleHits, nearHits: lhs.nearHits + rhs.nearHits)
    }
}
