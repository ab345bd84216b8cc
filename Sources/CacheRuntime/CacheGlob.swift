import Foundation

/// A Redis glob built from literal text, encoded parameter values and wildcards, for
/// ``RedisCache/deletePattern(_:batchSize:)``. Literal text is escaped so that `*`, `?`, `[`, `]` and `\` in it match
/// themselves; values go through `CacheKeyEncoding` (from `CacheSchemaCore`), whose output contains none of them;
/// only ``anyRun()`` and ``anyCharacter()`` are wildcards.
///
/// ```swift
/// let glob = CacheGlob("shop:user:email:").hashTag(email)          // shop:user:email:{a@b.com}
/// let pages = CacheGlob("shop:orders:user:").hashTag(id).literal(":page:").anyRun()
/// ```
public struct CacheGlob: Sendable, Hashable, CustomStringConvertible {
    /// The Redis glob.
    public private(set) var pattern: String
    /// The schema namespace the glob was started with (``init(namespace:)``), or `nil`.
    public let namespace: String?

    /// Starts a glob with literal text.
    public init(_ literal: String = "") {
        pattern = Self.escape(literal)
        namespace = nil
    }

    /// Starts a glob with a schema's namespace and its separator (`"shop:"`), so that
    /// ``RedisCache/deletePattern(_:batchSize:)`` knows the namespace whose fills it must fence, even when the
    /// namespace contains `:`.
    public init(namespace: String) {
        pattern = Self.escape(namespace) + ":"
        self.namespace = namespace
    }

    /// Appends literal text.
    public func literal(_ text: String) -> CacheGlob {
        var copy = self
        copy.pattern += Self.escape(text)
        return copy
    }

    /// Appends an encoded string value.
    public func value(_ value: String) -> CacheGlob {
        var copy = self
        copy.pattern += CacheKeyEncoding.encode(value)
        return copy
    }

    /// Appends an encoded UUID.
    public func value(_ value: UUID) -> CacheGlob {
        var copy = self
        copy.pattern += CacheKeyEncoding.encode(value)
        return copy
    }

    /// Appends an encoded integer.
    public func value(_ value: Int) -> CacheGlob {
        var copy = self
        copy.pattern += CacheKeyEncoding.encode(value)
        return copy
    }

    /// Appends an encoded string value as a hash tag, `{…}`, the way generated keys carry the value of the instance
    /// that owns them (`shop:user:email:{a@b.com}`; the empty string as `{%}`, see `CacheKeyEncoding.hashTag(_:)`).
    public func hashTag(_ value: String) -> CacheGlob {
        var copy = self
        copy.pattern += CacheKeyEncoding.hashTag(CacheKeyEncoding.encode(value))
        return copy
    }

    /// Appends an encoded UUID as a hash tag (`shop:user:{7c9e6679-…}`).
    public func hashTag(_ value: UUID) -> CacheGlob {
        var copy = self
        copy.pattern += CacheKeyEncoding.hashTag(CacheKeyEncoding.encode(value))
        return copy
    }

    /// Appends `*`: any run of characters.
    public func anyRun() -> CacheGlob {
        var copy = self
        copy.pattern += "*"
        return copy
    }

    /// Appends `?`: any one character.
    public func anyCharacter() -> CacheGlob {
        var copy = self
        copy.pattern += "?"
        return copy
    }

    public var description: String { pattern }

    /// Whether `key` matches the glob, as Redis matches it in `SCAN MATCH`.
    public func matches(_ key: String) -> Bool {
        Self.matches(pattern, key)
    }

    /// Redis's glob matching (`stringmatchlen` in `util.c`) over bytes: `*` any run, `?` one byte, `[...]` a class
    /// (`^` negates, `a-z` ranges, `\` escapes), `\` escapes the next byte. The repair queue uses it to keep reads of
    /// keys that a failed pattern deletion still has to remove away from the cache.
    static func matches(_ pattern: String, _ key: String) -> Bool {
        var pattern = pattern, key = key
        return pattern.withUTF8 { p in key.withUTF8 { s in match(p, 0, s, 0) == .yes } }
    }

    private enum Match { case yes, no, noLonger }

    private static func match(_ p: UnsafeBufferPointer<UInt8>, _ pStart: Int, _ s: UnsafeBufferPointer<UInt8>, _ sStart: Int) -> Match {
        var pi = pStart, si = sStart
        while pi < p.count && si < s.count {
            switch p[pi] {
            case UInt8(ascii: "*"):
                while pi + 1 < p.count && p[pi + 1] == UInt8(ascii: "*") { pi += 1 }
                if pi + 1 == p.count { return .yes }
                while si < s.count {
                    switch match(p, pi + 1, s, si) {
                    case .yes: return .yes
                    // The rest of the pattern failed even against a shorter suffix: longer runs cannot help.
                    case .noLonger: return .noLonger
                    case .no: si += 1
                    }
                }
                return .noLonger
            case UInt8(ascii: "?"):
                si += 1
            case UInt8(ascii: "["):
                pi += 1
                let negate = pi < p.count && p[pi] == UInt8(ascii: "^")
                if negate { pi += 1 }
                var matched = false
                while true {
                    if pi < p.count && p[pi] == UInt8(ascii: "\\") && p.count - pi >= 2 {
                        pi += 1
                        if p[pi] == s[si] { matched = true }
                    } else if pi < p.count && p[pi] == UInt8(ascii: "]") {
                        break
                    } else if pi >= p.count {
                        pi -= 1
                        break
                    } else if p.count - pi >= 3 && p[pi + 1] == UInt8(ascii: "-") {
                        let (low, high) = p[pi] <= p[pi + 2] ? (p[pi], p[pi + 2]) : (p[pi + 2], p[pi])
                        pi += 2
                        if s[si] >= low && s[si] <= high { matched = true }
                    } else if p[pi] == s[si] {
                        matched = true
                    }
                    pi += 1
                }
                if negate { matched.toggle() }
                if !matched { return .no }
                si += 1
            case UInt8(ascii: "\\"):
                if p.count - pi >= 2 { pi += 1 }
                if p[pi] != s[si] { return .no }
                si += 1
            default:
                if p[pi] != s[si] { return .no }
                si += 1
            }
            pi += 1
            if si == s.count {
                while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
                break
            }
        }
        return pi == p.count && si == s.count ? .yes : .no
    }

    /// The text before the glob's first `:` (escapes removed), when it has no wildcard: every key the glob matches
    /// then starts with exactly that segment. `nil` when a `*`, `?` or `[` comes first.
    static func literalFirstSegment(of pattern: String) -> String? {
        var segment: [UInt8] = []
        var bytes = pattern.utf8.makeIterator()
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["): return nil
            case UInt8(ascii: ":"): return String(decoding: segment, as: UTF8.self)
            case UInt8(ascii: "\\"):
                // An escaped byte matches itself (an escaped `:` still ends the segment); a final `\` is literal.
                guard let escaped = bytes.next() else { return String(decoding: segment + [byte], as: UTF8.self) }
                if escaped == UInt8(ascii: ":") { return String(decoding: segment, as: UTF8.self) }
                segment.append(escaped)
            default:
                segment.append(byte)
            }
        }
        return String(decoding: segment, as: UTF8.self)
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
