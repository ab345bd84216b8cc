/// How a key's value is kept fresh around its TTL, as the schema declares it for the key or its TTL class: early
/// refresh (XFetch), a stale-while-revalidate window, and TTL jitter. The default, ``none``, is plain expiry.
///
/// - Early refresh (Vattani, Chierichetti and Lowenstein, VLDB 2015): a hit refreshes the value in the background when
///   `δ · β · −ln(random)` reaches the time left before expiry, δ being how long the value's last load took; hot keys
///   are then refreshed shortly before they expire, by one caller, instead of stampeding at expiry.
/// - Stale-while-revalidate: for `staleWindow` after the TTL the old value is still served while one caller refreshes
///   it. A write, delete or invalidation ends the window: it replaces or removes the value.
/// - Jitter: each store's TTL is shortened by a random fraction of up to `ttlJitter`, so that keys filled together do
///   not expire together.
public struct CacheFreshness: Sendable, Hashable, Codable {
    /// XFetch's β (larger refreshes earlier; 1 is the paper's choice), or `nil` for no early refresh.
    public var earlyRefresh: Double?
    /// How long past its TTL a value may still be served while it is refreshed, or `nil` for none.
    public var staleWindow: Duration?
    /// The largest fraction (0 up to 0.5) by which a store shortens the TTL at random; 0 for none.
    public var ttlJitter: Double

    /// Plain expiry: no early refresh, no stale window, no jitter.
    public static let none = CacheFreshness()

    /// A freshness policy; generated code calls this with what the schema declares.
    public init(earlyRefresh: Double? = nil, staleWindow: Duration? = nil, ttlJitter: Double = 0) {
        self.earlyRefresh = earlyRefresh.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        self.staleWindow = staleWindow.flatMap { $0 > .zero ? $0 : nil }
        self.ttlJitter = ttlJitter.isFinite ? min(max(ttlJitter, 0), 0.5) : 0
    }

    /// Whether reads need the value's remaining TTL (early refresh or a stale window is declared).
    public var refreshesBeforeExpiry: Bool { earlyRefresh != nil || staleWindow != nil }
}
