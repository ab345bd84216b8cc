import NIOCore

/// One RESP2 or RESP3 value, as a Redis server sends it.
///
/// Strings that may hold binary data (bulk strings) stay `ByteBuffer`s, without copying; simple strings and errors are
/// text by protocol. RESP2's null bulk string (`$-1`) and null array (`*-1`) decode as ``null``, like RESP3's `_`.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a short text status.
    case simpleString(String)
    /// `-ERR message`: a server error, its text including the error code.
    case simpleError(String)
    /// `:42`: a signed 64-bit integer.
    case integer(Int64)
    /// `$5 hello`: binary-safe bytes.
    case bulkString(ByteBuffer)
    /// `_`, `$-1`, `*-1`: nothing.
    case null
    /// `,3.14`: a double, including `inf`, `-inf` and `nan`.
    case double(Double)
    /// `#t` / `#f`.
    case boolean(Bool)
    /// `(12345678901234567890`: an integer too large for 64 bits, as its decimal text.
    case bigNumber(String)
    /// `!21 SYNTAX invalid syntax`: a binary-safe server error.
    case bulkError(String)
    /// `=15 txt:Some string`: text with a three-letter format (`txt`, `mkd`).
    case verbatimString(format: String, text: String)
    /// `*2 …`: an ordered list.
    case array([RESPValue])
    /// `~2 …`: an unordered collection of distinct values, in the order the server sent them.
    case set([RESPValue])
    /// `%2 …`: key-value pairs, in the order the server sent them.
    case map([RESPPair])
    /// `>3 …`: an out-of-band message (pub/sub, CLIENT TRACKING invalidations).
    case push([RESPValue])
    /// `|1 … value`: attributes attached to the value that follows them.
    indirect case attribute([RESPPair], RESPValue)

    /// The server error's text when this is an error value.
    public var errorMessage: String? {
        switch self {
        case .simpleError(let message), .bulkError(let message): message
        default: nil
        }
    }
}

/// A key-value pair of a RESP3 map or attribute.
public struct RESPPair: Sendable, Hashable {
    /// The key.
    public var key: RESPValue
    /// The value.
    public var value: RESPValue

    /// Creates a pair.
    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}
