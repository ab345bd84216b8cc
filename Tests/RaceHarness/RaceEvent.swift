/// One operation a harness process performed, as it logs it: a read of a record through the cache, or a change of
/// the record in the source of truth followed by the matching cache call.
public enum RaceEvent: Sendable, Hashable {
    /// How a change reached the cache.
    public enum WriteKind: String, Sendable, Hashable, CaseIterable {
        /// `writeThrough`: the new row is stored.
        case writeThrough = "write-through"
        /// `deleteThrough`: the row is deleted (a tombstone with a new version) and the entity invalidated.
        case deleteThrough = "delete-through"
        /// The source is updated, then the entity invalidated.
        case invalidate
    }

    /// A `getOrSet` of `record` that started at `start` and returned the row at `version`, from `source` (`hit`,
    /// `miss`, `bypass`).
    case read(record: Int, start: UInt64, end: UInt64, version: UInt64, source: String)
    /// A change of `record` to `version` in the source; the cache call after it returned at `end` (`completed`) or
    /// threw (the cache then repairs itself; such writes are not counted as completed).
    case write(record: Int, kind: WriteKind, start: UInt64, end: UInt64, version: UInt64, completed: Bool)

    /// One line of a log file: tab-separated fields.
    public var line: String {
        switch self {
        case .read(let record, let start, let end, let version, let source):
            return "R\t\(record)\t\(start)\t\(end)\t\(version)\t\(source)"
        case .write(let record, let kind, let start, let end, let version, let completed):
            return "W\t\(record)\t\(start)\t\(end)\t\(version)\t\(kind.rawValue)\t\(completed ? "ok" : "failed")"
        }
    }

    /// Parses a line written by ``line``; `nil` for anything else.
    public init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 6, let record = Int(fields[1]), let start = UInt64(fields[2]), let end = UInt64(fields[3]),
            let version = UInt64(fields[4])
        else { return nil }
        switch fields[0] {
        case "R" where fields.count == 6:
            self = .read(record: record, start: start, end: end, version: version, source: String(fields[5]))
        case "W" where fields.count == 7:
            guard let kind = WriteKind(rawValue: String(fields[5])), fields[6] == "ok" || fields[6] == "failed" else { return nil }
            self = .write(record: record, kind: kind, start: start, end: end, version: version, completed: fields[6] == "ok")
        default:
            return nil
        }
    }
}
