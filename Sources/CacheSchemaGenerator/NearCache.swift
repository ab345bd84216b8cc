/// A key's near cache, resolved from what its TTL class and the key itself declare: how long a decoded value stays in
/// process memory, and how many values of the key kept there at most. Generated code passes it to the runtime as
/// `CacheNearCachePolicy` (module `CacheSchemaCore`), which documents what the runtime does with it.
public struct NearCache: Sendable, Hashable {
    /// The longest a value stays in process memory (the runtime also caps it at the value's TTL left in Redis).
    public var ttl: Milliseconds
    /// The most values of the key kept in process memory at once.
    public var capacity: Int

    /// Creates a near cache from values already checked.
    public init(ttl: Milliseconds, capacity: Int) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// One line for people: `1m in process, up to 1000 values`. Generated doc comments and `explain` show it.
    public var summary: String {
        "\(DurationLiteral.format(ttl)) in process, up to \(capacity) value\(capacity == 1 ? "" : "s")"
    }
}
