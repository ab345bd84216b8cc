import Yams

/// Freshness fields of TTL classes and keys: `early` (XFetch's β), `stale` (a stale-while-revalidate window) and
/// `jitter` (a percentage of the TTL), each of which `off` turns off.
extension SchemaValidator {
    /// The largest β accepted. XFetch refreshes when `δ·β·−ln(random)` reaches the time left, so β scales how early:
    /// the paper's choice is 1, and past 10 a hot key is reloaded long before it expires, which is almost always a typo.
    static let maximumEarlyRefreshThousandths = 10_000
    /// The largest jitter accepted, 50% in basis points: a store never shortens a TTL by more than half
    /// (`CacheFreshness` clamps to the same bound).
    static let maximumJitterBasisPoints = 5_000
    /// What turns a field off, on a key whose TTL class sets it.
    static let offWord = "off"

    /// Checks the freshness fields written on a TTL class or a key (`owner`, as messages name it). A field refused
    /// with an error is left unwritten.
    mutating func readFreshness(_ syntax: FreshnessSyntax, owner: String) -> FreshnessFields {
        var fields = FreshnessFields()
        if let node = syntax.early {
            fields.earlyRefreshThousandths = readSetting(
                node, .invalidEarlyRefresh, expected: "'early' of \(owner) must be XFetch's β, a positive number such as 1 or 1.5, or 'off'"
            ) { validator, text, expected in validator.readEarlyRefresh(text, at: node, owner: owner, expected: expected) }
        }
        if let node = syntax.stale {
            fields.staleWindow = readSetting(node, .invalidStaleWindow, expected: "'stale' of \(owner) must be a duration such as '1m', or 'off'") { validator, text, _ in
                validator.readDuration(text, at: node, .invalidStaleWindow, field: "'stale' of \(owner)", use: .staleWindow)
            }
        }
        if let node = syntax.jitter {
            fields.jitterBasisPoints = readSetting(
                node, .invalidJitter, expected: "'jitter' of \(owner) must be a percentage of the TTL from 0% to 50%, such as '10%' or '2.5%', or 'off'"
            ) { validator, text, expected in validator.readJitter(text, at: node, owner: owner, expected: expected) }
        }
        return fields
    }

    /// Warns when the stale window `fields` write is longer than the TTL it follows, where it is written.
    mutating func checkStaleWindow(_ fields: FreshnessFields, syntax: FreshnessSyntax, ttl: Milliseconds, owner: String) {
        guard let stale = fields.writtenStaleWindow, stale > ttl, let node = syntax.stale else { return }
        let ttlText = DurationLiteral.format(ttl)
        diagnostics.report(
            .staleWindowLongerThanTTL,
            "the stale window of \(owner) (\(DurationLiteral.format(stale))) is longer than its TTL (\(ttlText)), so a value could be served stale for longer than it was fresh; shorten 'stale' to at most \(ttlText) or lengthen the TTL",
            at: node.location)
    }

    /// A field that is `off` or a scalar `readValue` checks; `expected` says what it must be when it is neither.
    private mutating func readSetting<Value>(
        _ node: Node, _ identifier: DiagnosticID, expected: String, readValue: (inout SchemaValidator, String, String) -> Value?
    ) -> FieldSetting<Value>? {
        guard let text = readScalar(node, identifier, expected: expected) else { return nil }
        if text == Self.offWord { return FieldSetting(value: nil) }
        return readValue(&self, text, expected).map { FieldSetting(value: $0) }
    }

    private mutating func readEarlyRefresh(_ text: String, at node: Node, owner: String, expected: String) -> Int? {
        if text.hasPrefix("-") {
            diagnostics.report(.invalidEarlyRefresh, "'early' of \(owner) is negative; β must be positive (1 is XFetch's usual choice), or write 'off' for no early refresh", at: node.location)
            return nil
        }
        switch DecimalLiteral.parse(text, fractionDigits: Freshness.earlyRefreshFractionDigits) {
        case .failure(.malformed):
            diagnostics.report(.invalidEarlyRefresh, "\(expected); found '\(text)'", at: node.location)
        case .failure(.tooPrecise):
            diagnostics.report(.invalidEarlyRefresh, "'early' of \(owner) has more than 3 decimals ('\(text)'); β needs no finer steps, write e.g. 1.25", at: node.location)
        case .success(0):
            diagnostics.report(.invalidEarlyRefresh, "'early' of \(owner) is 0; β must be positive (1 is XFetch's usual choice), or write 'off' for no early refresh", at: node.location)
        case .success(let thousandths) where thousandths > Self.maximumEarlyRefreshThousandths:
            diagnostics.report(.earlyRefreshTooLarge, "'early' of \(owner) is \(text), above 10: such a β reloads a hot key long before it expires; use 1 (XFetch's usual choice) to 2, larger refreshing earlier", at: node.location)
        case .success(let thousandths):
            return thousandths
        }
        return nil
    }

    private mutating func readJitter(_ text: String, at node: Node, owner: String, expected: String) -> Int? {
        guard text.hasSuffix("%") else {
            diagnostics.report(.invalidJitter, "\(expected); found '\(text)', which has no '%' (a tenth of the TTL is '10%')", at: node.location)
            return nil
        }
        switch DecimalLiteral.parse(String(text.dropLast()), fractionDigits: Freshness.jitterFractionDigits) {
        case .failure(.malformed):
            diagnostics.report(.invalidJitter, "\(expected); found '\(text)'", at: node.location)
        case .failure(.tooPrecise):
            diagnostics.report(.invalidJitter, "'jitter' of \(owner) has more than 2 decimals ('\(text)'); write e.g. '2.25%'", at: node.location)
        case .success(let basisPoints) where basisPoints > Self.maximumJitterBasisPoints:
            diagnostics.report(.invalidJitter, "'jitter' of \(owner) is \(text), above 50%: a store could cut the TTL by more than half; use at most 50% (5% to 10% is usual)", at: node.location)
        case .success(let basisPoints):
            return basisPoints
        }
        return nil
    }
}
