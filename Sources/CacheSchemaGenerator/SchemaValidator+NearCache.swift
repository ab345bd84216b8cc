import Yams

/// The `near` field of TTL classes and keys: a near cache's `ttl` and `capacity`, or `off`. A key's `near` replaces
/// its class's as a whole: a near cache is one decision (how long and how many), not two fields to mix.
extension SchemaValidator {
    /// The largest capacity accepted: ten million decoded values of one key is more memory than a process should give
    /// one cache, and a larger number is almost always a typo (a byte count, an extra zero).
    static let maximumNearCacheCapacity = 10_000_000
    /// How a near cache is written, for messages.
    static let nearCacheExample = "'near: { ttl: 1m, capacity: 1000 }'"

    /// Checks the `near` field written on a TTL class or a key (`owner`, as messages name it): `nil` when it is not
    /// written or refused with an error.
    mutating func readNearCache(_ syntax: NearCacheSyntax?, owner: String) -> FieldSetting<NearCache>? {
        guard let syntax else { return nil }
        guard let fields = syntax.fields else {
            if syntax.value.schemaText == Self.offWord { return FieldSetting(value: nil) }
            diagnostics.report(
                .invalidNearCache, "'near' of \(owner) must be a mapping such as \(Self.nearCacheExample), or 'off'; found \(syntax.value.shapeDescription)",
                at: syntax.value.location)
            return nil
        }
        let missing = [("ttl", fields.ttl), ("capacity", fields.capacity)].filter { $0.1 == nil }.map { "'\($0.0)'" }
        if !missing.isEmpty {
            let absent = missing.count == 1 ? "no \(missing[0])" : "neither \(missing.joined(separator: " nor "))"
            diagnostics.report(
                .missingField, "'near' of \(owner) has \(absent); a near cache needs both, e.g. \(Self.nearCacheExample)", at: syntax.value.location)
        }
        let ttl = fields.ttl.flatMap { readNearCacheTTL($0, owner: owner) }
        let capacity = fields.capacity.flatMap { readNearCacheCapacity($0, owner: owner) }
        guard let ttl, let capacity else { return nil }
        return FieldSetting(value: NearCache(ttl: ttl, capacity: capacity))
    }

    /// Warns when the near cache `setting` writes keeps values longer than the TTL it follows, where it is written:
    /// the runtime never keeps a value in process past its TTL in Redis, so the declared value would mislead.
    mutating func checkNearCacheTTL(_ setting: FieldSetting<NearCache>?, syntax: NearCacheSyntax?, ttl: Milliseconds, owner: String) {
        guard let nearCache = setting?.value, nearCache.ttl > ttl, let node = syntax?.fields?.ttl else { return }
        let ttlText = DurationLiteral.format(ttl)
        diagnostics.report(
            .nearCacheTTLLongerThanTTL,
            "the near cache TTL of \(owner) (\(DurationLiteral.format(nearCache.ttl))) is longer than its TTL (\(ttlText)), but a value never stays in process longer than in Redis; shorten the near cache's 'ttl' to at most \(ttlText) or lengthen the TTL",
            at: node.location)
    }

    private mutating func readNearCacheTTL(_ node: Node, owner: String) -> Milliseconds? {
        let field = "'ttl' of the near cache of \(owner)"
        guard let text = readScalar(node, .invalidNearCacheTTL, expected: "\(field) must be a duration such as '1m'") else { return nil }
        return readDuration(text, at: node, .invalidNearCacheTTL, field: field, use: .nearCacheTTL)
    }

    private mutating func readNearCacheCapacity(_ node: Node, owner: String) -> Int? {
        let field = "'capacity' of the near cache of \(owner)"
        let expected = "\(field) must be a whole number of values from 1 to 10000000, such as 1000"
        guard let text = readScalar(node, .invalidNearCacheCapacity, expected: expected) else { return nil }
        if text.hasPrefix("-") {
            diagnostics.report(.invalidNearCacheCapacity, "\(field) is negative; write how many values it keeps at most, such as 1000, or 'near: off' for no near cache", at: node.location)
            return nil
        }
        switch DecimalLiteral.parse(text, fractionDigits: 0) {
        case .failure:
            diagnostics.report(.invalidNearCacheCapacity, "\(expected); found '\(text)'", at: node.location)
        case .success(0):
            diagnostics.report(.invalidNearCacheCapacity, "\(field) is 0; a near cache keeps at least 1 value, or write 'near: off' for none", at: node.location)
        case .success(let capacity) where capacity > Self.maximumNearCacheCapacity:
            diagnostics.report(
                .invalidNearCacheCapacity,
                "\(field) is \(text), above 10000000: that many decoded values would take more memory than a process should give one cache; keep the hot values only, e.g. 10000",
                at: node.location)
        case .success(let capacity):
            return capacity
        }
        return nil
    }
}
