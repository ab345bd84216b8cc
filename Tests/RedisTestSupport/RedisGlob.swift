/// Redis's glob matching (`stringmatchlen` in Redis's `util.c`), byte for byte, as `SCAN MATCH`, `KEYS` and the
/// runtime's pattern invalidation apply it: `*` any run of bytes, `?` one byte, `[...]` a class (`^` negates, `a-z`
/// ranges, `\` escapes), `\` escapes the next byte; matching is case-sensitive.
///
/// The tests use it to check that no parameter value lets one key be matched by another key's invalidation glob.
public enum RedisGlob {
    public static func matches(_ pattern: String, _ string: String) -> Bool {
        var skipLongerMatches = false
        return match(Array(pattern.utf8), 0, Array(string.utf8), 0, &skipLongerMatches)
    }

    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")
    private static let open = UInt8(ascii: "[")
    private static let close = UInt8(ascii: "]")
    private static let caret = UInt8(ascii: "^")
    private static let dash = UInt8(ascii: "-")
    private static let backslash = UInt8(ascii: "\\")

    private static func match(
        _ p: [UInt8], _ patternStart: Int, _ s: [UInt8], _ stringStart: Int, _ skipLongerMatches: inout Bool
    ) -> Bool {
        var pi = patternStart
        var si = stringStart
        while pi < p.count && si < s.count {
            switch p[pi] {
            case star:
                while pi + 1 < p.count && p[pi + 1] == star { pi += 1 }
                if pi + 1 == p.count { return true }
                while si < s.count {
                    if match(p, pi + 1, s, si, &skipLongerMatches) { return true }
                    if skipLongerMatches { return false }
                    si += 1
                }
                skipLongerMatches = true
                return false
            case question:
                si += 1
            case open:
                pi += 1
                let negate = pi < p.count && p[pi] == caret
                if negate { pi += 1 }
                var matched = false
                while true {
                    if pi < p.count && p[pi] == backslash && p.count - pi >= 2 {
                        pi += 1
                        if p[pi] == s[si] { matched = true }
                    } else if pi < p.count && p[pi] == close {
                        break
                    } else if pi >= p.count {
                        pi -= 1
                        break
                    } else if p.count - pi >= 3 && p[pi + 1] == dash {
                        let (start, end) = p[pi] <= p[pi + 2] ? (p[pi], p[pi + 2]) : (p[pi + 2], p[pi])
                        pi += 2
                        if s[si] >= start && s[si] <= end { matched = true }
                    } else if p[pi] == s[si] {
                        matched = true
                    }
                    pi += 1
                }
                if negate { matched.toggle() }
                if !matched { return false }
                si += 1
            case backslash:
                if p.count - pi >= 2 { pi += 1 }
                if p[pi] != s[si] { return false }
                si += 1
            default:
                if p[pi] != s[si] { return false }
                si += 1
            }
            pi += 1
            if si == s.count {
                while pi < p.count && p[pi] == star { pi += 1 }
                break
            }
        }
        return pi == p.count && si == s.count
    }

    /// The bytes that mean something to a Redis glob.
    public static let specialCharacters: Set<Character> = ["*", "?", "[", "]", "\\"]
}
