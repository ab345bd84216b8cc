/// Parses schema durations: one or more `<digits><unit>` parts, units `ms`, `s`, `m`, `h`, `d` (`5m`, `1h30m`,
/// `250ms`), largest unit first.
enum DurationLiteral {
    /// Why a duration does not parse.
    enum Failure: Error, Equatable {
        case empty
        case missingUnit(String)
        case unknownUnit(String)
        case notANumber
        case negative
        case zero
        case outOfOrder
        case tooLong
    }

    /// The longest TTL accepted: 10 years. Longer is almost always a typo, and Redis keys should expire.
    static let maximum: Milliseconds = 10 * 365 * 86_400_000

    private static let units: [(suffix: String, milliseconds: Milliseconds)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    static func parse(_ text: String) -> Result<Milliseconds, Failure> {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if trimmed.hasPrefix("-") { return .failure(.negative) }
        var total: Milliseconds = 0
        var rest = Substring(trimmed)
        var lastUnitSize = Milliseconds.max
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isASCIIDigit)
            guard !digits.isEmpty else { return .failure(.notANumber) }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            guard !unitText.isEmpty else {
                return .failure(rest.isEmpty ? .missingUnit(String(digits)) : .notANumber)
            }
            guard let unit = units.first(where: { $0.suffix == unitText }) else {
                return .failure(.unknownUnit(String(unitText)))
            }
            guard unit.milliseconds < lastUnitSize else { return .failure(.outOfOrder) }
            lastUnitSize = unit.milliseconds
            guard digits.count <= 12, let value = Milliseconds(digits) else { return .failure(.tooLong) }
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow, product <= maximum else { return .failure(.tooLong) }
            total += product
            guard total <= maximum else { return .failure(.tooLong) }
        }
        return total == 0 ? .failure(.zero) : .success(total)
    }

    /// What a duration is for, which its messages name.
    enum Use {
        /// A TTL: a key's, a TTL class's or the schema default.
        case ttl
        /// A stale-while-revalidate window (`stale:`), which `off` turns off.
        case staleWindow
        /// How long a near cache keeps a value in process memory (`near: { ttl: 1m, … }`), which `near: off` turns off.
        case nearCacheTTL

        /// What messages call a duration of this use.
        var noun: String {
            switch self {
            case .ttl: "TTL"
            case .staleWindow: "stale window"
            case .nearCacheTTL: "near cache TTL"
            }
        }

        /// What to write instead of a zero duration.
        var zeroAdvice: String {
            switch self {
            case .ttl: "a TTL must be positive (a key without expiry is not supported)"
            case .staleWindow: "a stale window must be positive, or write 'off' for none"
            case .nearCacheTTL: "a near cache TTL must be positive, or write 'near: off' for no near cache"
            }
        }
    }

    /// A message for a failure, naming what was written.
    static func message(for failure: Failure, written: String, use: Use = .ttl) -> String {
        switch failure {
        case .empty:
            return "a duration is empty; write a number and a unit (ms, s, m, h, d), e.g. '5m'"
        case .missingUnit:
            return "duration '\(written)' has no unit; write '\(written.trimmingWhitespace)s' for seconds (units: ms, s, m, h, d)"
        case .unknownUnit(let unit):
            return "duration '\(written)' has unknown unit '\(unit)'; use ms, s, m, h or d"
        case .notANumber:
            return "'\(written)' is not a duration; write a number and a unit (ms, s, m, h, d), e.g. '5m' or '1h30m'"
        case .negative:
            return "duration '\(written)' is negative; a \(use.noun) must be positive"
        case .zero:
            return "duration '\(written)' is zero; \(use.zeroAdvice)"
        case .outOfOrder:
            return "duration '\(written)' repeats a unit or puts a smaller unit first; write e.g. '1h30m'"
        case .tooLong:
            return "duration '\(written)' is longer than 10 years; use a shorter \(use.noun)"
        }
    }

    /// The shortest rendering of a duration, e.g. `300000` → `5m`.
    static func format(_ milliseconds: Milliseconds) -> String {
        var rest = milliseconds
        var parts: [String] = []
        for unit in units.reversed() where rest >= unit.milliseconds {
            parts.append("\(rest / unit.milliseconds)\(unit.suffix)")
            rest %= unit.milliseconds
        }
        return parts.isEmpty ? "0ms" : parts.joined()
    }
}

extension String {
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
