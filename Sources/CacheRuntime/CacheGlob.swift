import Foundation

/// A Redis glob built from literal text, encoded parameter values and wildcards, for
/// ``RedisCache/deletePattern(_:batchSize:)``. Literal text is escaped so that `*`, `?`, `[`, `]` and `\` in it match
/// themselves; values go through ``CacheKeyEncoding``, whose output contains none of them; only ``anyRun()`` and
/// ``anyCharacter()`` are wildcards.
///
/// ```swift
/// let glob = CacheGlob("shop:user:email:").value(email).anyRun()
/// ```
public struct CacheGlob: Sendable, Hashable, CustomStringConvertible {
    /// The Redis glob.
    public private(set) var pattern: String

    /// Starts a glob with literal text.
    public init(_ literal: String = "") {
        pattern = Self.escape(literal)
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

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
