/// Parses the plain decimal numbers a schema writes for `early` (`1`, `1.5`) and inside `jitter` (`2.5` of `2.5%`)
/// into whole units of a fixed precision, so that a value is kept exactly as written: `1.5` with 3 fraction digits
/// is 1500, and no binary rounding creeps into generated code or `explain`.
///
/// Digits, then optionally `.` and at least one digit: no sign, exponent, leading `.` or `_`, so that what parses
/// reads like the number it is.
enum DecimalLiteral {
    /// Why a number does not parse.
    enum Failure: Error, Equatable {
        /// Not digits with an optional fraction.
        case malformed
        /// More fraction digits than the precision keeps.
        case tooPrecise
    }

    /// Whole parts longer than this saturate: every use refuses values this large anyway, with its own message.
    private static let maximumWholeDigits = 9

    /// `text` in units of 10^-`fractionDigits` (`"1.5"`, 3 → 1500).
    static func parse(_ text: String, fractionDigits: Int) -> Result<Int, Failure> {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else {
            return .failure(.malformed)
        }
        guard fraction.count <= fractionDigits else { return .failure(.tooPrecise) }
        let scale = power(of: 10, fractionDigits)
        let significant = whole.drop { $0 == "0" }
        let wholeValue = significant.count > maximumWholeDigits ? power(of: 10, maximumWholeDigits) : Int(significant) ?? 0
        let fractionValue = Int(fraction + String(repeating: "0", count: fractionDigits - fraction.count)) ?? 0
        return .success(wholeValue * scale + fractionValue)
    }

    /// The shortest text of a value in units of 10^-`fractionDigits`: (1500, 3) → `1.5`, (1000, 3) → `1`.
    static func format(_ units: Int, fractionDigits: Int) -> String {
        let scale = power(of: 10, fractionDigits)
        let whole = String(units / scale)
        var fraction = String(units % scale)
        fraction = String(repeating: "0", count: fractionDigits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    private static func power(of base: Int, _ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { result, _ in result * base }
    }
}

extension Character {
    /// `0` to `9`, and nothing else `isNumber` would take (other scripts' digits, fractions).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
