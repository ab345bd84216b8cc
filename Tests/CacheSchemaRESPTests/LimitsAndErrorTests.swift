import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

/// Input that must fail, and how.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var limits: RESPDecoder.Limits
    var kind: RESPDecodingError.Kind

    init(_ name: String, _ input: String, _ kind: RESPDecodingError.Kind, limits: RESPDecoder.Limits = .default) {
        self.init(name, bytes(input), kind, limits: limits)
    }

    init(_ name: String, _ input: [UInt8], _ kind: RESPDecodingError.Kind, limits: RESPDecoder.Limits = .default) {
        self.name = name
        self.input = input
        self.limits = limits
        self.kind = kind
    }

    var testDescription: String { name }
}

private let depth3 = RESPDecoder.Limits(maximumDepth: 3)
private let elements4 = RESPDecoder.Limits(maximumElementCount: 4)
private let bulk10 = RESPDecoder.Limits(maximumBulkLength: 10)
private let line8 = RESPDecoder.Limits(maximumLineLength: 8)

let errorCases: [ErrorCase] = [
    // Depth.
    ErrorCase("arrays one level too deep", "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", .tooDeep(limit: 3), limits: depth3),
    ErrorCase("mixed aggregates one level too deep", "%1\r\n+k\r\n~1\r\n>1\r\n*1\r\n:1\r\n", .tooDeep(limit: 3), limits: depth3),
    ErrorCase("attributes count as a level", "*1\r\n*1\r\n|1\r\n+k\r\n+v\r\n*1\r\n:1\r\n", .tooDeep(limit: 3), limits: depth3),
    ErrorCase("aggregate in attribute pairs at the limit", "*1\r\n*1\r\n|1\r\n*1\r\n+k\r\n+v\r\n:1\r\n", .tooDeep(limit: 3), limits: depth3),
    ErrorCase("empty attributes count as a level", "*1\r\n*1\r\n|0\r\n*1\r\n:1\r\n", .tooDeep(limit: 3), limits: depth3),
    ErrorCase("value after an attribute at the limit", "*1\r\n|0\r\n*1\r\n*1\r\n:1\r\n", .tooDeep(limit: 3), limits: depth3),
    ErrorCase("depth limit zero rejects any aggregate", "*1\r\n:1\r\n", .tooDeep(limit: 0), limits: RESPDecoder.Limits(maximumDepth: 0)),
    ErrorCase("deeply nested hostile input", String(repeating: "*1\r\n", count: 10_000), .tooDeep(limit: 128)),
    // Element counts (a map's pairs count twice).
    ErrorCase("array over the element limit", "*5\r\n", .tooManyElements(count: 5, limit: 4), limits: elements4),
    ErrorCase("set over the element limit", "~5\r\n", .tooManyElements(count: 5, limit: 4), limits: elements4),
    ErrorCase("push over the element limit", ">5\r\n", .tooManyElements(count: 5, limit: 4), limits: elements4),
    ErrorCase("map over the element limit", "%3\r\n", .tooManyElements(count: 3, limit: 4), limits: elements4),
    ErrorCase("attribute over the element limit", "|3\r\n", .tooManyElements(count: 3, limit: 4), limits: elements4),
    ErrorCase("nested aggregate over the element limit", "*1\r\n*5\r\n", .tooManyElements(count: 5, limit: 4), limits: elements4),
    ErrorCase("array of Int64.max elements", "*9223372036854775807\r\n", .tooManyElements(count: .max, limit: 1 << 24)),
    ErrorCase("map of Int64.max pairs", "%9223372036854775807\r\n", .tooManyElements(count: .max, limit: 1 << 24)),
    ErrorCase("attribute of Int64.max pairs", "|9223372036854775807\r\n", .tooManyElements(count: .max, limit: 1 << 24)),
    // Bulk lengths (checked from the header, before the body arrives).
    ErrorCase("bulk string over the length limit", "$11\r\n", .tooLong(length: 11, limit: 10), limits: bulk10),
    ErrorCase("bulk error over the length limit", "!11\r\n", .tooLong(length: 11, limit: 10), limits: bulk10),
    ErrorCase("verbatim string over the length limit", "=11\r\n", .tooLong(length: 11, limit: 10), limits: bulk10),
    ErrorCase("bulk string of Int64.max bytes", "$9223372036854775807\r\n", .tooLong(length: .max, limit: 512 << 20)),
    // Line lengths.
    ErrorCase("simple string over the line limit", "+123456789\r\n", .lineTooLong(limit: 8), limits: line8),
    ErrorCase("line over the limit before its CRLF arrives", "+1234567890", .lineTooLong(limit: 8), limits: line8),
    ErrorCase("integer line over the limit", ":1234567890\r\n", .lineTooLong(limit: 8), limits: line8),
    ErrorCase("bulk header over the line limit", "$0000000001\r\na\r\n", .lineTooLong(limit: 8), limits: line8),
    ErrorCase("aggregate header over the line limit, no CRLF", "*0000000000", .lineTooLong(limit: 8), limits: line8),
    // Unknown types.
    ErrorCase("unknown type byte", "@foo\r\n", .unknownType(UInt8(ascii: "@"))),
    ErrorCase("lone CRLF", "\r\n", .unknownType(UInt8(ascii: "\r"))),
    ErrorCase("NUL byte", [0], .unknownType(0)),
    ErrorCase("0xFF byte", [0xFF], .unknownType(0xFF)),
    ErrorCase("inline command text", "PING\r\n", .unknownType(UInt8(ascii: "P"))),
    ErrorCase("streamed string chunk marker", ";4\r\nHell\r\n", .unknownType(UInt8(ascii: ";"))),
    ErrorCase("unknown type inside an array", "*2\r\n:1\r\n@\r\n", .unknownType(UInt8(ascii: "@"))),
    // Missing CRLF.
    ErrorCase("bulk body longer than announced", "$3\r\nfooXY", .missingCRLF),
    ErrorCase("bulk body followed by CR and garbage", "$3\r\nfoo\rX", .missingCRLF),
    ErrorCase("bulk body followed by LF only", "$3\r\nfoo\n\n", .missingCRLF),
    ErrorCase("line ended by LF only", "+OK\n", .missingCRLF),
    ErrorCase("empty line ended by LF only", ":\n", .missingCRLF),
    ErrorCase("bulk header ended by LF only", "$3\nfoo\r\n", .missingCRLF),
    ErrorCase("bulk error body longer than announced", "!1\r\nab\r\n", .missingCRLF),
    // Bad numbers.
    ErrorCase("empty integer", ":\r\n", .invalidNumber),
    ErrorCase("sign only", ":-\r\n", .invalidNumber),
    ErrorCase("integer with letters", ":12a\r\n", .invalidNumber),
    ErrorCase("integer with spaces", ": 1\r\n", .invalidNumber),
    ErrorCase("integer with two signs", ":+-1\r\n", .invalidNumber),
    ErrorCase("Int64.max + 1", ":9223372036854775808\r\n", .invalidNumber),
    ErrorCase("Int64.min - 1", ":-9223372036854775809\r\n", .invalidNumber),
    ErrorCase("very long integer", ":99999999999999999999999999\r\n", .invalidNumber),
    ErrorCase("decimal integer", ":1.0\r\n", .invalidNumber),
    ErrorCase("bulk length not a number", "$abc\r\n", .invalidNumber),
    ErrorCase("empty bulk length", "$\r\n", .invalidNumber),
    ErrorCase("bulk length -2", "$-2\r\n", .invalidNumber),
    ErrorCase("array count not a number", "*1x\r\n", .invalidNumber),
    ErrorCase("array count -2", "*-2\r\n", .invalidNumber),
    ErrorCase("map count -1 (only arrays have a RESP2 null)", "%-1\r\n", .invalidNumber),
    ErrorCase("set count -1", "~-1\r\n", .invalidNumber),
    ErrorCase("push count -1", ">-1\r\n", .invalidNumber),
    ErrorCase("attribute count -1", "|-1\r\n", .invalidNumber),
    ErrorCase("map count overflowing when doubled", "%4611686018427387904\r\n", .tooManyElements(count: 4_611_686_018_427_387_904, limit: 1 << 24)),
    ErrorCase("big number with letters", "(12a\r\n", .invalidNumber),
    ErrorCase("empty big number", "(\r\n", .invalidNumber),
    ErrorCase("big number sign only", "(-\r\n", .invalidNumber),
    ErrorCase("big number decimal", "(1.5\r\n", .invalidNumber),
    // Invalid values.
    ErrorCase("double not a number", ",abc\r\n", .invalidValue),
    ErrorCase("empty double", ",\r\n", .invalidValue),
    ErrorCase("double with trailing garbage", ",1.5x\r\n", .invalidValue),
    ErrorCase("hexadecimal double", ",0x1p3\r\n", .invalidValue),
    ErrorCase("double spelled infinity", ",infinity\r\n", .invalidValue),
    ErrorCase("double with space", ", 1.5\r\n", .invalidValue),
    ErrorCase("double exponent only", ",e5\r\n", .invalidValue),
    ErrorCase("boolean neither t nor f", "#x\r\n", .invalidValue),
    ErrorCase("boolean too long", "#tt\r\n", .invalidValue),
    ErrorCase("empty boolean", "#\r\n", .invalidValue),
    ErrorCase("null with content", "_x\r\n", .invalidValue),
    ErrorCase("null bulk error", "!-1\r\n", .invalidValue),
    ErrorCase("null verbatim string", "=-1\r\n", .invalidValue),
    ErrorCase("verbatim string without format", "=3\r\ntxt\r\n", .invalidValue),
    ErrorCase("verbatim string without colon", "=5\r\ntxt-a\r\n", .invalidValue),
    // Invalid UTF-8.
    ErrorCase("simple string with 0xFF", bytes("+") + [0xFF] + bytes("\r\n"), .invalidUTF8),
    ErrorCase("simple error with a truncated sequence", bytes("-ERR ") + [0xC3] + bytes("\r\n"), .invalidUTF8),
    ErrorCase("simple string with an overlong encoding", bytes("+") + [0xC0, 0xAF] + bytes("\r\n"), .invalidUTF8),
    ErrorCase("simple string with a surrogate", bytes("+") + [0xED, 0xA0, 0x80] + bytes("\r\n"), .invalidUTF8),
    ErrorCase("bulk error with invalid UTF-8", bytes("!2\r\n") + [0xFF, 0xFE] + bytes("\r\n"), .invalidUTF8),
    ErrorCase("verbatim text with invalid UTF-8", bytes("=6\r\ntxt:") + [0xFF, 0xFE] + bytes("\r\n"), .invalidUTF8),
    ErrorCase("verbatim format with invalid UTF-8", bytes("=5\r\n") + [0xFF, 0xFE, 0x41] + bytes(":a\r\n"), .invalidUTF8),
    ErrorCase("double with invalid UTF-8", bytes(",") + [0xFF] + bytes("\r\n"), .invalidUTF8),
    // Streaming (RESP3 `?` lengths), which Redis never sends.
    ErrorCase("streamed bulk string", "$?\r\n;4\r\nHell\r\n;0\r\n", .streamingNotSupported),
    ErrorCase("streamed bulk error", "!?\r\n", .streamingNotSupported),
    ErrorCase("streamed verbatim string", "=?\r\n", .streamingNotSupported),
    ErrorCase("streamed array", "*?\r\n:1\r\n.\r\n", .streamingNotSupported),
    ErrorCase("streamed set", "~?\r\n", .streamingNotSupported),
    ErrorCase("streamed map", "%?\r\n", .streamingNotSupported),
    ErrorCase("streamed push", ">?\r\n", .streamingNotSupported),
    ErrorCase("streamed attribute", "|?\r\n", .streamingNotSupported),
    ErrorCase("streamed bulk inside an array", "*1\r\n$?\r\n", .streamingNotSupported),
]

@Suite("Limits and errors")
struct LimitsAndErrorTests {
    @Test(arguments: errorCases)
    func throwsTheExpectedKind(_ testCase: ErrorCase) {
        let run = decode(testCase.input, limits: testCase.limits)
        #expect(run.error?.kind == testCase.kind, "\(escaped(testCase.input.prefix(80))): \(run.summary)")
    }

    /// Fed byte by byte, the same input fails the same way.
    @Test(arguments: errorCases)
    func throwsWhenFedByteByByte(_ testCase: ErrorCase) {
        guard testCase.input.count <= 200 else { return }
        let run = decodeByteByByte(testCase.input, limits: testCase.limits)
        #expect(run.error?.kind == testCase.kind, "\(escaped(testCase.input)): \(run.summary)")
    }

    @Test func limitsAreInclusive() throws {
        // Depth 3 admits three levels.
        #expect(try decodeOne(bytes("*1\r\n*1\r\n*1\r\n:1\r\n"), limits: depth3) == .array([.array([.array([.integer(1)])])]))
        #expect(try decodeOne(bytes("*1\r\n|0\r\n*1\r\n:1\r\n"), limits: depth3) != nil)
        // Element count 4 admits four elements, or two pairs.
        #expect(try decodeOne(bytes("*4\r\n_\r\n_\r\n_\r\n_\r\n"), limits: elements4) == .array([.null, .null, .null, .null]))
        #expect(try decodeOne(bytes("%2\r\n_\r\n_\r\n_\r\n_\r\n"), limits: elements4) != nil)
        // Bulk length 10 admits ten bytes.
        #expect(try decodeOne(bytes("$10\r\n0123456789\r\n"), limits: bulk10) == .bulkString(buffer("0123456789")))
        #expect(try decodeOne(bytes("=10\r\ntxt:012345\r\n"), limits: bulk10) == .verbatimString(format: "txt", text: "012345"))
        // Line length 8 admits eight bytes before CRLF.
        #expect(try decodeOne(bytes("+12345678\r\n"), limits: line8) == .simpleString("12345678"))
        #expect(try decodeOne(bytes(":-1234567\r\n"), limits: line8) == .integer(-1_234_567))
    }

    @Test func incompleteInputWithinLimitsWaits() throws {
        var decoder = RESPDecoder(limits: line8)
        for partial in ["+12345678", "$10", "*2\r\n:1", "$3\r\nfo", "$3\r\nfoo\r", "%1\r\n+k\r\n", "|1\r\n+a\r\n+b\r\n"] {
            var decoder = RESPDecoder(limits: line8)
            var input = buffer(partial)
            #expect(try decoder.decode(&input) == nil, "\(escaped(bytes(partial)))")
        }
        var empty = ByteBuffer()
        #expect(try decoder.decode(&empty) == nil)
    }

    /// A hostile count must be rejected from its header alone, without reserving memory for it.
    @Test func hugeCountsFailFastWithoutAllocating() throws {
        let elapsed = measureThreadCPUTime {
            for header in ["%9223372036854775807\r\n", "*9223372036854775807\r\n", "|4611686018427387904\r\n", "~16777217\r\n"] {
                #expect(decodingError(bytes(header)) != nil, "\(header)")
            }
        }
        // Microseconds of CPU; the bound only catches an allocation of the declared size.
        #expect(elapsed < .seconds(5))
    }

    /// With limits raised to the maximum, hostile lengths make the decoder wait for bytes, not trap or allocate.
    @Test func hugeLengthsUnderUnlimitedLimits() throws {
        let unlimited = RESPDecoder.Limits(maximumDepth: .max, maximumElementCount: .max, maximumBulkLength: .max, maximumLineLength: .max)
        let partials = [
            "$9223372036854775807\r\nabc", "!9223372036854775807\r\nabc", "=9223372036854775807\r\ntxt:abc",
            "*9223372036854775807\r\n:1\r\n", "~9223372036854775807\r\n_\r\n", "+no CRLF yet",
        ]
        for header in partials {
            var decoder = RESPDecoder(limits: unlimited)
            var input = buffer(header)
            #expect(try decoder.decode(&input) == nil, "\(header)")
        }
        #expect(decodingError(bytes("%9223372036854775807\r\n"), limits: unlimited) == .tooManyElements(count: .max, limit: .max))
    }

    @Test func errorDescriptionsDoNotEchoBytes() {
        let error = RESPDecodingError(.unknownType(0x40))
        #expect(error.description.contains("0x40"))
        #expect(RESPDecodingError(.tooLong(length: 11, limit: 10)).description.contains("11"))
    }
}
