import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

/// Decodes an encoded command and returns its arguments' bytes (it must be one array of bulk strings).
private func arguments(of command: ByteBuffer) throws -> [[UInt8]] {
    let decoded = try #require(try decodeOne(Array(command.readableBytesView)), "not exactly one value: \(escaped(command.readableBytesView))")
    guard case .array(let elements) = decoded else {
        Issue.record("not an array: \(decoded)")
        return []
    }
    return try elements.map { element in
        guard case .bulkString(let bytes) = element else { throw EncoderTestError.notBulk(element) }
        return Array(bytes.readableBytesView)
    }
}

private enum EncoderTestError: Error { case notBulk(RESPValue) }

/// Writes a command through the parameter-pack API.
private func command<each Argument: RESPArgument>(_ arguments: repeat each Argument) -> ByteBuffer {
    var output = ByteBuffer()
    RESPCommandEncoder.write(into: &output, repeat each arguments)
    return output
}

private func text(_ output: ByteBuffer) -> String { escaped(output.readableBytesView) }

@Suite("Command encoder")
struct CommandEncoderTests {
    @Test func setWithExpiry() throws {
        var output = ByteBuffer()
        RESPCommandEncoder.write(into: &output, "SET", "k", "v", "PX", 300)
        #expect(Array(output.readableBytesView) == bytes("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nPX\r\n$3\r\n300\r\n"), "\(text(output))")
        #expect(try arguments(of: output) == ["SET", "k", "v", "PX", "300"].map(bytes))
    }

    @Test func singleArgument() {
        #expect(Array(command("PING").readableBytesView) == bytes("*1\r\n$4\r\nPING\r\n"))
    }

    @Test(arguments: [
        (0, "0"), (9, "9"), (10, "10"), (-1, "-1"), (99, "99"), (100, "100"), (-10, "-10"),
        (Int.min, "-9223372036854775808"), (Int.max, "9223372036854775807"),
    ])
    func integers(_ number: Int, _ digits: String) throws {
        let output = command("INCRBY", number)
        #expect(Array(output.readableBytesView) == bytes("*2\r\n$6\r\nINCRBY\r\n$\(digits.utf8.count)\r\n\(digits)\r\n"), "\(text(output))")
        #expect(try arguments(of: output) == [bytes("INCRBY"), bytes(digits)])
    }

    @Test func otherIntegerWidths() throws {
        #expect(try arguments(of: command(Int64.min, Int64.max, UInt64.max, UInt64(0))) == [
            bytes("-9223372036854775808"), bytes("9223372036854775807"), bytes("18446744073709551615"), bytes("0"),
        ])
    }

    @Test func stringKinds() throws {
        let text = "héllo 日本 🙂"
        let staticText: StaticString = "STATIC"
        let substring = "xxsubyy".dropFirst(2).dropLast(2)
        #expect(try arguments(of: command(text, staticText, substring, "")) == [bytes(text), bytes("STATIC"), bytes("sub"), []])
    }

    @Test func byteBufferArguments() throws {
        let binary = buffer((0...255).map { UInt8($0) })
        var sliced = buffer("--payload--")
        sliced.moveReaderIndex(forwardBy: 2)
        sliced.moveWriterIndex(to: sliced.writerIndex - 2)
        let output = command("SET", "k", binary, sliced, ByteBuffer())
        #expect(try arguments(of: output) == [bytes("SET"), bytes("k"), (0...255).map { UInt8($0) }, bytes("payload"), []])
        #expect(binary.readableBytes == 256, "the argument is not consumed")
    }

    @Test func arrayArgumentsExpand() throws {
        let keys = ["a", "bb", "ccc"]
        let output = command("MGET", keys)
        #expect(Array(output.readableBytesView) == bytes("*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$2\r\nbb\r\n$3\r\nccc\r\n"), "\(text(output))")
        #expect(try arguments(of: command("DEL", [String]())) == [bytes("DEL")])
        #expect(try arguments(of: command("X", [[1, 2], [3]], ["y"])) == ["X", "1", "2", "3", "y"].map(bytes))
    }

    @Test func optionalArguments() throws {
        let none: String? = nil
        let noExpiry: Int? = nil
        let some: String? = "NX"
        let output = command("SET", "k", "v", none, some, noExpiry)
        #expect(Array(output.readableBytesView) == bytes("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n"), "\(text(output))")
        let optionalArray: [String]? = ["a", "b"]
        let noArray: [String]? = nil
        #expect(try arguments(of: command("MGET", optionalArray, noArray)) == ["MGET", "a", "b"].map(bytes))
        #expect(try arguments(of: command("PING", [String?.none, "x", nil])) == ["PING", "x"].map(bytes))
    }

    @Test(arguments: [
        (1.5, "1.5"), (-2.25, "-2.25"), (0.0, "0.0"), (Double.infinity, "+inf"), (-Double.infinity, "-inf"), (1e300, "1e+300"),
    ])
    func doubles(_ number: Double, _ text: String) throws {
        #expect(try arguments(of: command("ZADD", "z", number, "m")) == [bytes("ZADD"), bytes("z"), bytes(text), bytes("m")])
    }

    @Test func doubleTextParsesBack() throws {
        for number in [0.1, 1.0 / 3.0, .leastNonzeroMagnitude, Double.greatestFiniteMagnitude, -0.0] {
            let written = try arguments(of: command(number))
            #expect(Double(String(decoding: written[0], as: UTF8.self)) == number)
        }
    }

    @Test func existentialArgumentsVariant() throws {
        let dynamic: [any RESPArgument] = ["SET", "k", buffer("v"), Int?.none, "PX", 300, ["a", "b"] as [String], String?.some("GET")]
        var output = ByteBuffer()
        RESPCommandEncoder.write(into: &output, arguments: dynamic)
        #expect(try arguments(of: output) == ["SET", "k", "v", "PX", "300", "a", "b", "GET"].map(bytes))
        // The same arguments through the parameter pack give the same bytes.
        #expect(output == command("SET", "k", buffer("v"), Int?.none, "PX", 300, ["a", "b"], String?.some("GET")))

        var empty = ByteBuffer()
        RESPCommandEncoder.write(into: &empty, arguments: [])
        #expect(Array(empty.readableBytesView) == bytes("*0\r\n"))
    }

    @Test func appendsAfterExistingBytes() throws {
        var output = ByteBuffer()
        RESPCommandEncoder.write(into: &output, "GET", "a")
        RESPCommandEncoder.write(into: &output, "GET", "b")
        let run = decode(Array(output.readableBytesView))
        #expect(run.values == [
            .array([.bulkString(buffer("GET")), .bulkString(buffer("a"))]),
            .array([.bulkString(buffer("GET")), .bulkString(buffer("b"))]),
        ])
    }

    /// Random commands decode back to their arguments.
    @Test func randomCommandsRoundTrip() throws {
        var random = SplitMix64(seed: 0xE4C0DE)
        for _ in 0..<2_000 {
            var expected: [[UInt8]] = []
            var dynamic: [any RESPArgument] = []
            for _ in 0..<random.inRange(0...6) {
                switch random.below(5) {
                case 0:
                    let number = Int(bitPattern: UInt(random.next()))
                    dynamic.append(number)
                    expected.append(bytes(String(number)))
                case 1:
                    let raw = (0..<random.inRange(0...20)).map { _ in random.byte() }
                    dynamic.append(buffer(raw))
                    expected.append(raw)
                case 2:
                    let strings = (0..<random.inRange(0...3)).map { _ in String(random.below(1000)) }
                    dynamic.append(strings)
                    expected += strings.map(bytes)
                case 3:
                    dynamic.append(String?.none)
                default:
                    let text = String(repeating: "é", count: random.below(4)) + "\r\n"
                    dynamic.append(text)
                    expected.append(bytes(text))
                }
            }
            var output = ByteBuffer()
            RESPCommandEncoder.write(into: &output, arguments: dynamic)
            #expect(try arguments(of: output) == expected)
        }
    }
}
