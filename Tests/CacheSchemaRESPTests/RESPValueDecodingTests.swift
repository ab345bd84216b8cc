import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

/// One frame, the value it must decode to, and whether `RESPValueEncoder` writes exactly these bytes back.
struct FrameCase: Sendable, CustomTestStringConvertible {
    var name: String
    var frame: [UInt8]
    var value: RESPValue
    /// `RESPValueEncoder` writes `frame` itself (not just an equivalent form such as `_` for `$-1`).
    var canonical: Bool

    init(_ name: String, _ frame: String, _ value: RESPValue, canonical: Bool = true) {
        self.init(name, bytes(frame), value, canonical: canonical)
    }

    init(_ name: String, _ frame: [UInt8], _ value: RESPValue, canonical: Bool = true) {
        self.name = name
        self.frame = frame
        self.value = value
        self.canonical = canonical
    }

    var testDescription: String { name }
}

/// Every RESP2 and RESP3 type, in the forms the spec shows, plus edge values.
let frameCases: [FrameCase] = {
    let allBytes = (0...255).map { UInt8($0) }
    let keyPopularity = RESPValue.attribute(
        [
            RESPPair(
                key: .simpleString("key-popularity"),
                value: .map([
                    RESPPair(key: .bulkString(buffer("a")), value: .double(0.1923)),
                    RESPPair(key: .bulkString(buffer("b")), value: .double(0.0012)),
                ])
            )
        ],
        .array([.integer(2_039_123), .integer(9_543_892)])
    )
    return [
        // Simple strings and errors.
        FrameCase("simple string", "+OK\r\n", .simpleString("OK")),
        FrameCase("empty simple string", "+\r\n", .simpleString("")),
        FrameCase("UTF-8 simple string", "+héllo 日本 🙂\r\n", .simpleString("héllo 日本 🙂")),
        FrameCase("simple error", "-ERR unknown command 'foobar'\r\n", .simpleError("ERR unknown command 'foobar'")),
        FrameCase("WRONGTYPE error", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                  .simpleError("WRONGTYPE Operation against a key holding the wrong kind of value")),
        // Integers.
        FrameCase("integer 0", ":0\r\n", .integer(0)),
        FrameCase("integer 1000", ":1000\r\n", .integer(1000)),
        FrameCase("negative integer", ":-1000\r\n", .integer(-1000)),
        FrameCase("integer with plus sign", ":+42\r\n", .integer(42), canonical: false),
        FrameCase("integer -0", ":-0\r\n", .integer(0), canonical: false),
        FrameCase("Int64.max", ":9223372036854775807\r\n", .integer(.max)),
        FrameCase("Int64.min", ":-9223372036854775808\r\n", .integer(.min)),
        // Bulk strings.
        FrameCase("bulk string", "$5\r\nhello\r\n", .bulkString(buffer("hello"))),
        FrameCase("empty bulk string", "$0\r\n\r\n", .bulkString(ByteBuffer())),
        FrameCase("bulk string holding CRLF", "$4\r\n\r\n\r\n\r\n", .bulkString(buffer("\r\n\r\n"))),
        FrameCase("binary bulk string, all 256 byte values", bytes("$256\r\n") + allBytes + bytes("\r\n"),
                  .bulkString(buffer(allBytes))),
        // Nulls.
        FrameCase("RESP2 null bulk string", "$-1\r\n", .null, canonical: false),
        FrameCase("RESP2 null array", "*-1\r\n", .null, canonical: false),
        FrameCase("RESP3 null", "_\r\n", .null),
        // Doubles.
        FrameCase("double 1.5", ",1.5\r\n", .double(1.5)),
        FrameCase("double 1.23", ",1.23\r\n", .double(1.23)),
        FrameCase("negative double", ",-2.5\r\n", .double(-2.5)),
        FrameCase("integral double", ",10\r\n", .double(10), canonical: false),
        FrameCase("double -0", ",-0\r\n", .double(-0.0), canonical: false),
        FrameCase("double inf", ",inf\r\n", .double(.infinity)),
        FrameCase("double +inf", ",+inf\r\n", .double(.infinity), canonical: false),
        FrameCase("double -inf", ",-inf\r\n", .double(-.infinity)),
        FrameCase("double nan", ",nan\r\n", .double(.nan)),
        FrameCase("double -nan", ",-nan\r\n", .double(.nan), canonical: false),
        FrameCase("double with exponent", ",1.23e4\r\n", .double(12_300), canonical: false),
        FrameCase("double with signed capital exponent", ",-1.5E-3\r\n", .double(-0.0015), canonical: false),
        FrameCase("double with large exponent", ",1e+300\r\n", .double(1e300)),
        // Booleans, big numbers.
        FrameCase("true", "#t\r\n", .boolean(true)),
        FrameCase("false", "#f\r\n", .boolean(false)),
        FrameCase("big number", "(3492890328409238509324850943850943825024385\r\n",
                  .bigNumber("3492890328409238509324850943850943825024385")),
        FrameCase("negative big number", "(-3492890328409238509324850943850943825024385\r\n",
                  .bigNumber("-3492890328409238509324850943850943825024385")),
        // Bulk errors, verbatim strings.
        FrameCase("bulk error", "!21\r\nSYNTAX invalid syntax\r\n", .bulkError("SYNTAX invalid syntax")),
        FrameCase("bulk error holding CRLF", "!9\r\nERR a\r\nbc\r\n", .bulkError("ERR a\r\nbc")),
        FrameCase("empty bulk error", "!0\r\n\r\n", .bulkError("")),
        FrameCase("verbatim string", "=15\r\ntxt:Some string\r\n", .verbatimString(format: "txt", text: "Some string")),
        FrameCase("empty verbatim markdown", "=4\r\nmkd:\r\n", .verbatimString(format: "mkd", text: "")),
        FrameCase("verbatim string holding CRLF", "=10\r\ntxt:a\r\nb\r\n\r\n", .verbatimString(format: "txt", text: "a\r\nb\r\n")),
        // Aggregates.
        FrameCase("array of bulk strings", "*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n",
                  .array([.bulkString(buffer("hello")), .bulkString(buffer("world"))])),
        FrameCase("array of integers", "*3\r\n:1\r\n:2\r\n:3\r\n", .array([.integer(1), .integer(2), .integer(3)])),
        FrameCase("mixed array", "*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$5\r\nhello\r\n",
                  .array([.integer(1), .integer(2), .integer(3), .integer(4), .bulkString(buffer("hello"))])),
        FrameCase("array with RESP2 null element", "*3\r\n$3\r\nfoo\r\n$-1\r\n$3\r\nbar\r\n",
                  .array([.bulkString(buffer("foo")), .null, .bulkString(buffer("bar"))]), canonical: false),
        FrameCase("set", "~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n",
                  .set([.simpleString("orange"), .simpleString("apple"), .boolean(true), .integer(100), .integer(999)])),
        FrameCase("map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
                  .map([RESPPair(key: .simpleString("first"), value: .integer(1)),
                        RESPPair(key: .simpleString("second"), value: .integer(2))])),
        FrameCase("map with aggregate key and value", "%1\r\n*1\r\n:1\r\n~1\r\n#f\r\n",
                  .map([RESPPair(key: .array([.integer(1)]), value: .set([.boolean(false)]))])),
        FrameCase("push", ">4\r\n+pubsub\r\n+message\r\n+somechannel\r\n+this is the message\r\n",
                  .push([.simpleString("pubsub"), .simpleString("message"), .simpleString("somechannel"),
                         .simpleString("this is the message")])),
        FrameCase("invalidate push", ">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nuser\r\n",
                  .push([.bulkString(buffer("invalidate")), .array([.bulkString(buffer("user"))])])),
        // Attributes.
        FrameCase("attribute (spec example)",
                  "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
                  keyPopularity),
        FrameCase("attribute before a nested element (spec example)", "*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n",
                  .array([.integer(1), .integer(2),
                          .attribute([RESPPair(key: .simpleString("ttl"), value: .integer(3600))], .integer(3))])),
        FrameCase("attribute before the first element of a map value", "%1\r\n+k\r\n*1\r\n|1\r\n+a\r\n+b\r\n*0\r\n",
                  .map([RESPPair(key: .simpleString("k"),
                                 value: .array([.attribute([RESPPair(key: .simpleString("a"), value: .simpleString("b"))], .array([]))]))])),
        FrameCase("empty attribute", "|0\r\n+OK\r\n", .attribute([], .simpleString("OK"))),
        FrameCase("empty attribute before a nested element", "*2\r\n|0\r\n:1\r\n:2\r\n",
                  .array([.attribute([], .integer(1)), .integer(2)])),
        FrameCase("attribute on an attribute", "|1\r\n+a\r\n:1\r\n|0\r\n|1\r\n+b\r\n:2\r\n_\r\n",
                  .attribute([RESPPair(key: .simpleString("a"), value: .integer(1))],
                             .attribute([], .attribute([RESPPair(key: .simpleString("b"), value: .integer(2))], .null)))),
        FrameCase("attribute inside an attribute key", "|1\r\n|0\r\n+k\r\n+v\r\n:7\r\n",
                  .attribute([RESPPair(key: .attribute([], .simpleString("k")), value: .simpleString("v"))], .integer(7))),
        FrameCase("attribute on a push", "|1\r\n+x\r\n+y\r\n>1\r\n+message\r\n",
                  .attribute([RESPPair(key: .simpleString("x"), value: .simpleString("y"))], .push([.simpleString("message")]))),
        // Nesting and empty aggregates.
        FrameCase("nested arrays", "*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n",
                  .array([.array([.integer(1), .integer(2), .integer(3)]), .array([.simpleString("Hello"), .simpleError("World")])])),
        FrameCase("deep nesting", "*1\r\n~1\r\n%1\r\n>1\r\n+k\r\n*1\r\n*0\r\n",
                  .array([.set([.map([RESPPair(key: .push([.simpleString("k")]), value: .array([.array([])]))])])])),
        FrameCase("empty array", "*0\r\n", .array([])),
        FrameCase("empty set", "~0\r\n", .set([])),
        FrameCase("empty map", "%0\r\n", .map([])),
        FrameCase("empty push", ">0\r\n", .push([])),
        FrameCase("empty aggregates nested", "*4\r\n*0\r\n~0\r\n%0\r\n>0\r\n", .array([.array([]), .set([]), .map([]), .push([])])),
        FrameCase("array ending in an empty aggregate", "*2\r\n:1\r\n*1\r\n%0\r\n", .array([.integer(1), .array([.map([])])])),
    ]
}()

@Suite("Decoding each RESP type")
struct RESPValueDecodingTests {
    @Test(arguments: frameCases)
    func decodesExactBytes(_ testCase: FrameCase) throws {
        let decoded = try decodeOne(testCase.frame)
        let value = try #require(decoded, "\(escaped(testCase.frame)) did not decode to exactly one value")
        #expect(same(value, testCase.value), "\(escaped(testCase.frame)) decoded to \(value), expected \(testCase.value)")
    }

    @Test(arguments: frameCases)
    func roundTripsThroughTheValueEncoder(_ testCase: FrameCase) throws {
        let bytes = encoded(testCase.value)
        if testCase.canonical {
            #expect(bytes == testCase.frame, "encoder wrote \(escaped(bytes)), expected \(escaped(testCase.frame))")
        }
        let decoded = try #require(try decodeOne(bytes), "\(escaped(bytes)) did not decode to exactly one value")
        #expect(same(decoded, testCase.value), "\(escaped(bytes)) decoded to \(decoded)")
    }

    @Test func doubleSignsAndSpecialValues() throws {
        let negativeZero = try #require(try decodeOne(bytes(",-0\r\n")))
        guard case .double(let zero) = negativeZero else { Issue.record("not a double: \(negativeZero)"); return }
        #expect(zero == 0 && zero.sign == .minus)
        guard case .double(let nan) = try #require(try decodeOne(bytes(",nan\r\n"))) else { Issue.record("not a double"); return }
        #expect(nan.isNaN)
        #expect(encoded(.double(-0.0)) == bytes(",-0.0\r\n"))
        #expect(encoded(.double(.nan)) == bytes(",nan\r\n"))
        #expect(encoded(.double(-.infinity)) == bytes(",-inf\r\n"))
    }

    @Test func tenMegabyteBulkString() throws {
        let size = 10 << 20
        var payload = [UInt8](repeating: 0, count: size)
        var random = SplitMix64(seed: 0x10_0000)
        for index in stride(from: 0, to: size, by: 8) {
            withUnsafeBytes(of: random.next()) { word in
                for offset in 0..<8 { payload[index + offset] = word[offset] }
            }
        }
        let frame = bytes("$\(size)\r\n") + payload + bytes("\r\n")
        let expected = RESPValue.bulkString(buffer(payload))

        // Whole.
        #expect(try decodeOne(frame) == expected)
        // In 64 KiB reads, as a socket delivers it: nil until the last byte arrives.
        let cuts = Array(stride(from: 65_536, to: frame.count, by: 65_536))
        let run = decode(frame, cuts: cuts)
        #expect(run.error == nil && run.values == [expected] && run.leftover == 0 && !run.midValue)
        // Round trip.
        #expect(encoded(expected) == frame)
    }

    @Test func bulkStringIsASliceOfTheInputNotACopy() throws {
        var decoder = RESPDecoder()
        var input = buffer("$5\r\nhello\r\n")
        let inputBase = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        guard case .bulkString(let body)? = try decoder.decode(&input) else { Issue.record("not a bulk string"); return }
        let bodyBase = body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(bodyBase == inputBase + 4)
    }

    /// Many `GET` replies (`$100\r\n<100 bytes>\r\n`) in one buffer, as a pipelined connection receives them. (Also the
    /// loop to run under a heap profiler: decoding such a reply allocates nothing beyond the slice it returns.)
    @Test func pipelinedGetReplies() throws {
        let payload = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let reply = bytes("$100\r\n") + payload + bytes("\r\n")
        let count = 10_000
        var input = ByteBufferAllocator().buffer(capacity: reply.count * count)
        for _ in 0..<count { input.writeBytes(reply) }
        let expected = RESPValue.bulkString(buffer(payload))
        var decoder = RESPDecoder()
        var decoded = 0
        while let value = try decoder.decode(&input) {
            if value != expected { Issue.record("reply \(decoded) decoded to \(value)") }
            decoded += 1
        }
        #expect(decoded == count && input.readableBytes == 0)
    }

    @Test func severalValuesInOneBuffer() throws {
        var decoder = RESPDecoder()
        var input = buffer("+OK\r\n:1\r\n*1\r\n$1\r\na\r\n_\r\n+PART")
        #expect(try decoder.decode(&input) == .simpleString("OK"))
        #expect(try decoder.decode(&input) == .integer(1))
        #expect(try decoder.decode(&input) == .array([.bulkString(buffer("a"))]))
        #expect(try decoder.decode(&input) == .null)
        #expect(try decoder.decode(&input) == nil)
        #expect(input.readableBytes == 5, "the partial line stays in the buffer")
        #expect(!decoder.isMidValue)
        input.writeString("IAL\r\n")
        #expect(try decoder.decode(&input) == .simpleString("PARTIAL"))
        #expect(input.readableBytes == 0)
    }

    @Test func partialAggregateIsKeptBetweenCalls() throws {
        var decoder = RESPDecoder()
        var input = buffer("*3\r\n:1\r\n$5\r\nhel")
        #expect(try decoder.decode(&input) == nil)
        #expect(decoder.isMidValue)
        #expect(input.readableBytesView.elementsEqual(bytes("$5\r\nhel")), "completed elements are consumed, the partial one is not")
        input.writeString("lo\r\n:3\r\n")
        #expect(try decoder.decode(&input) == .array([.integer(1), .bulkString(buffer("hello")), .integer(3)]))
        #expect(!decoder.isMidValue)
    }

    @Test func errorMessageAccessor() {
        #expect(RESPValue.simpleError("ERR x").errorMessage == "ERR x")
        #expect(RESPValue.bulkError("ERR y").errorMessage == "ERR y")
        #expect(RESPValue.simpleString("OK").errorMessage == nil)
    }
}
