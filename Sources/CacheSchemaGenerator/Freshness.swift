/// How a key's value is kept fresh around its TTL, resolved from what its TTL class and the key itself declare: early
/// refresh (XFetch's β), a stale-while-revalidate window and TTL jitter. Generated code passes it to the runtime as
/// `CacheFreshness` (module `CacheSchemaCore`), which documents what each does.
///
/// Values are kept exactly as written (β to a thousandth, jitter to a hundredth of a percent), so that generated code
/// and `explain` show the schema's numbers, not a binary approximation of them.
public struct Freshness: Sendable, Hashable {
    /// The digits β keeps after the point: `early: 1.125` is the finest.
    static let earlyRefreshFractionDigits = 3
    /// The digits a jitter percentage keeps after the point: `jitter: 2.25%` is the finest.
    static let jitterFractionDigits = 2

    /// XFetch's β in thousandths (`early: 1.5` → 1500), or `nil` for no early refresh.
    public var earlyRefreshThousandths: Int?
    /// How long past its TTL a value may be served while one caller refreshes it, or `nil` for none.
    public var staleWindow: Milliseconds?
    /// The TTL jitter in basis points, hundredths of a percent (`jitter: 10%` → 1000); 0 for none.
    public var jitterBasisPoints: Int

    /// Plain expiry: no early refresh, no stale window, no jitter.
    public static let none = Freshness(earlyRefreshThousandths: nil, staleWindow: nil, jitterBasisPoints: 0)

    /// Creates a freshness policy from values already checked.
    public init(earlyRefreshThousandths: Int?, staleWindow: Milliseconds?, jitterBasisPoints: Int) {
        self.earlyRefreshThousandths = earlyRefreshThousandths
        self.staleWindow = staleWindow
        self.jitterBasisPoints = jitterBasisPoints
    }

    /// Whether it is plain expiry, which generated code leaves unsaid.
    public var isNone: Bool { self == .none }

    /// XFetch's β as `CacheFreshness.earlyRefresh` takes it (`1.5`).
    public var earlyRefresh: Double? {
        earlyRefreshThousandths.map { Double($0) / 1000 }
    }

    /// The jitter as the fraction `CacheFreshness.ttlJitter` takes (`0.1` for 10%).
    public var jitterFraction: Double { Double(jitterBasisPoints) / 10_000 }

    /// β as the schema writes it (`1`, `1.5`), or `nil`.
    public var earlyRefreshText: String? {
        earlyRefreshThousandths.map { DecimalLiteral.format($0, fractionDigits: Self.earlyRefreshFractionDigits) }
    }

    /// The jitter as the schema writes it (`10%`, `2.5%`), or `nil` for none.
    public var jitterText: String? {
        jitterBasisPoints == 0 ? nil : DecimalLiteral.format(jitterBasisPoints, fractionDigits: Self.jitterFractionDigits) + "%"
    }

    /// One line for people: `early refresh β 1, stale 5m, jitter 10%`; `nil` for plain expiry. Generated doc comments
    /// and `explain` show it.
    public var summary: String? {
        var parts: [String] = []
        if let early = earlyRefreshText { parts.append("early refresh β \(early)") }
        if let staleWindow { parts.append("stale \(DurationLiteral.format(staleWindow))") }
        if let jitter = jitterText { parts.append("jitter \(jitter)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// This freshness (a TTL class's, or ``none``) with the fields `declared` writes in its place: a key's own field
    /// overrides its class's field of the same name, the others stay.
    func overridden(by declared: FreshnessFields) -> Freshness {
        var result = self
        result.earlyRefreshThousandths = FieldSetting.resolve(declared.earlyRefreshThousandths, over: earlyRefreshThousandths)
        result.staleWindow = FieldSetting.resolve(declared.staleWindow, over: staleWindow)
        result.jitterBasisPoints = FieldSetting.resolve(declared.jitterBasisPoints, over: jitterBasisPoints) ?? 0
        return result
    }
}

/// The freshness fields a TTL class or a key writes, checked: for each field, `nil` when it is not written (a key then
/// takes its class's), or what it sets, `off` included.
struct FreshnessFields: Hashable {
    var earlyRefreshThousandths: FieldSetting<Int>?
    var staleWindow: FieldSetting<Milliseconds>?
    var jitterBasisPoints: FieldSetting<Int>?

    /// The stale window it writes, if any.
    var writtenStaleWindow: Milliseconds? { staleWindow?.value }
}
