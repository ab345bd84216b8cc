/// Why a key pattern or related glob does not parse (see ``CachePattern``).
public struct CachePatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and how to fix it, as the generator's diagnostics show it.
    public let message: String
    /// Where the problem is, counted in Unicode scalars from the pattern's first character (0 for the pattern as a
    /// whole), so that a tool can add it to the column where the pattern's text starts.
    public let offset: Int

    /// Creates an error.
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// The message.
    public var description: String { message }
}
