/// Why bytes from a server are not valid RESP. The connection that received them cannot be trusted afterwards.
public struct RESPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Kind: Sendable, Hashable {
        /// A reply starts with a byte that is no RESP type marker.
        case unknownType(UInt8)
        /// A length, count or integer is not a valid number.
        case invalidNumber
        /// A line or a bulk string does not end with CRLF.
        case missingCRLF
        /// Text that must be UTF-8 is not.
        case invalidUTF8
        /// A boolean is neither `t` nor `f`, a verbatim string has no format, a double does not parse, and so on.
        case invalidValue
        /// Aggregates nest deeper than the limit.
        case tooDeep(limit: Int)
        /// An aggregate announces more elements than the limit.
        case tooManyElements(count: Int, limit: Int)
        /// A bulk value is longer than the limit.
        case tooLong(length: Int, limit: Int)
        /// A line goes on past the limit without CRLF.
        case lineTooLong(limit: Int)
        /// RESP3 streamed strings and aggregates (`$?`, `*?`), which Redis does not send.
        case streamingNotSupported
    }

    /// The kind of problem.
    public let kind: Kind

    /// Creates an error.
    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// What went wrong, without echoing the bytes (they may hold cached values).
    public var description: String {
        let what: String
        switch kind {
        case .unknownType(let byte): what = "a reply started with byte 0x\(String(byte, radix: 16)), which is no RESP type"
        case .invalidNumber: what = "a length, count or integer is not a valid number"
        case .missingCRLF: what = "a line or bulk value does not end with CRLF"
        case .invalidUTF8: what = "a text value is not valid UTF-8"
        case .invalidValue: what = "a boolean, double, verbatim string or null is malformed"
        case .tooDeep(let limit): what = "replies nest deeper than \(limit) levels"
        case .tooManyElements(let count, let limit): what = "an aggregate announces \(count) elements; the limit is \(limit)"
        case .tooLong(let length, let limit): what = "a bulk value of \(length) bytes exceeds the limit of \(limit)"
        case .lineTooLong(let limit): what = "a line exceeds \(limit) bytes without CRLF"
        case .streamingNotSupported: what = "streamed RESP3 values ($? / *?) are not supported"
        }
        return "invalid RESP from the server: \(what); the connection is closed"
    }
}
