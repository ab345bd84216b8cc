/// The cached value of a record: the version the source held when it was loaded or written.
struct RaceRow: Codable, Sendable, Hashable {
    var version: UInt64
    var deleted: Bool
}
