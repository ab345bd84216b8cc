import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

/// Valid inputs, each possibly several concatenated top-level values, with the limits to decode them under.
struct SplitCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var limits: RESPDecoder.Limits = .default

    var testDescription: String { name }
}

let splitCases: [SplitCase] = {
    var cases = frameCases.map { SplitCase(name: $0.name, input: $0.frame) }
    cases.append(SplitCase(name: "all single frames concatenated", input: frameCases.flatMap(\.frame)))
    cases.append(SplitCase(name: "pipeline of replies", input: bytes("+OK\r\n$5\r\nhello\r\n$-1\r\n:42\r\n*2\r\n$1\r\na\r\n_\r\n-ERR x\r\n")))
    cases.append(SplitCase(
        name: "push between replies",
        input: bytes(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n$3\r\nfoo\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n#t\r\n")
    ))
    cases.append(SplitCase(name: "attributes around values", input: bytes("|0\r\n+a\r\n|1\r\n+k\r\n|0\r\n*0\r\n*2\r\n|0\r\n:1\r\n|1\r\n_\r\n_\r\n:2\r\n:3\r\n")))
    cases.append(SplitCase(name: "empty aggregates in a row", input: bytes("*0\r\n%0\r\n~0\r\n>0\r\n*1\r\n*0\r\n")))
    // Lines exactly as long as the limit allows: the CR of such a line may arrive before its LF.
    let lineLimits = RESPDecoder.Limits(maximumLineLength: 8)
    cases.append(SplitCase(name: "lines at the line-length limit", input: bytes("+12345678\r\n-ABCDEFGH\r\n:-1234567\r\n$8\r\n12345678\r\n"), limits: lineLimits))
    // Bulk strings and aggregates exactly at their limits.
    let tight = RESPDecoder.Limits(maximumDepth: 2, maximumElementCount: 4, maximumBulkLength: 4, maximumLineLength: 8)
    cases.append(SplitCase(name: "values at every limit", input: bytes("*4\r\n%2\r\n$4\r\nabcd\r\n:1\r\n$0\r\n\r\n_\r\n:2\r\n:3\r\n+8bytes!!\r\n"), limits: tight))
    return cases
}()

@Suite("Split invariance")
struct SplitInvarianceTests {
    @Test(arguments: splitCases)
    func everyTwoPartSplitDecodesTheSame(_ testCase: SplitCase) {
        let whole = decode(testCase.input, limits: testCase.limits)
        #expect(whole.error == nil && whole.leftover == 0 && !whole.midValue && !whole.values.isEmpty, "\(whole.summary)")
        for split in 0...testCase.input.count {
            let run = decode(testCase.input, cuts: [split], limits: testCase.limits)
            #expect(run.matches(whole), "split at \(split) of \(escaped(testCase.input)): \(run.summary), whole: \(whole.summary)")
        }
    }

    @Test(arguments: splitCases)
    func byteByByteDecodesTheSame(_ testCase: SplitCase) {
        let whole = decode(testCase.input, limits: testCase.limits)
        let run = decodeByteByByte(testCase.input, limits: testCase.limits)
        #expect(run.matches(whole), "byte by byte: \(run.summary), whole: \(whole.summary)")
    }

    @Test(arguments: splitCases)
    func randomMultiPartSplitsDecodeTheSame(_ testCase: SplitCase) {
        let whole = decode(testCase.input, limits: testCase.limits)
        let seed: UInt64 = 0x5EED_0000 &+ UInt64(testCase.input.count)
        var random = SplitMix64(seed: seed)
        for attempt in 0..<200 {
            let cuts = randomCuts(count: testCase.input.count, maximumParts: 12, using: &random)
            let run = decode(testCase.input, cuts: cuts, limits: testCase.limits)
            #expect(run.matches(whole), "seed \(seed) attempt \(attempt) cuts \(cuts): \(run.summary), whole: \(whole.summary)")
        }
    }

    /// The value sequence of the concatenation is the concatenation of each frame's value.
    @Test func concatenatedFramesDecodeToTheSequenceOfTheirValues() {
        let input = frameCases.flatMap(\.frame)
        let run = decode(input)
        #expect(run.error == nil)
        #expect(same(run.values, frameCases.map(\.value)))
        var random = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<50 {
            let cuts = randomCuts(count: input.count, maximumParts: 200, using: &random)
            #expect(same(decode(input, cuts: cuts).values, frameCases.map(\.value)), "cuts \(cuts)")
        }
    }

    /// A line whose CR arrives in one read and LF in the next is not "too long" when it is exactly at the limit.
    @Test func lineAtTheLimitSplitBetweenCRAndLF() throws {
        var decoder = RESPDecoder(limits: RESPDecoder.Limits(maximumLineLength: 8))
        var input = buffer("+12345678\r")
        #expect(try decoder.decode(&input) == nil)
        input.writeString("\n")
        #expect(try decoder.decode(&input) == .simpleString("12345678"))
    }
}
