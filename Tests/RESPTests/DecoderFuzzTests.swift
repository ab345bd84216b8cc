import NIOCore
import RESP
import Testing

/// Fuzzes `RESPDecoder`: no input may trap or hang it, split points never change what it decodes, and valid frames
/// decode to exactly the values they encode.
///
/// Deterministic: every case derives from one 64-bit case seed, itself derived from the run's seed and the case's
/// index. Environment:
/// - `RESP_FUZZ_CASES=N`: how many cases (default 1,000,000; e.g. 50,000,000 for a long run).
/// - `RESP_FUZZ_SEED=S`: the run's seed (decimal or 0x-hex; default fixed, so CI is reproducible).
/// - `RESP_FUZZ_JOBS=J`: parallel workers (default 2).
/// - `RESP_FUZZ_REPLAY=C`: run only the case with case seed `C` (printed on failure) and show its bytes and results.
/// - `RESP_FUZZ_TRACE=1`: print every case seed before running it (one worker), to find a case that traps.
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    static let defaultCases = 1_000_000
    static let defaultSeed: UInt64 = 0x5EED_0F_2E5B_CAFE

    @Test func decoderNeverTrapsHangsOrMisdecodes() async throws {
        if let replay = environmentInteger("RESP_FUZZ_REPLAY") {
            let fuzzCase = FuzzCase(seed: replay)
            print(fuzzCase.report)
            if let failure = fuzzCase.check() { Issue.record("case seed 0x\(String(replay, radix: 16)): \(failure)") }
            return
        }
        let cases = Int(environmentInteger("RESP_FUZZ_CASES") ?? UInt64(Self.defaultCases))
        let seed = environmentInteger("RESP_FUZZ_SEED") ?? Self.defaultSeed
        let trace = (environmentInteger("RESP_FUZZ_TRACE") ?? 0) != 0
        let jobs = trace ? 1 : max(1, Int(environmentInteger("RESP_FUZZ_JOBS") ?? 2))
        print("RESP fuzz: \(cases) cases, seed 0x\(String(seed, radix: 16)), \(jobs) jobs (RESP_FUZZ_CASES / RESP_FUZZ_SEED / RESP_FUZZ_JOBS)")

        let clock = ContinuousClock()
        let start = clock.now
        let results = await withTaskGroup(of: FuzzStatistics.self) { group in
            for job in 0..<jobs {
                let range = (cases * job / jobs)..<(cases * (job + 1) / jobs)
                group.addTask { FuzzStatistics.run(range, seed: seed, trace: trace) }
            }
            var total = FuzzStatistics()
            for await partial in group { total.add(partial) }
            return total
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Int(Double(results.cases) / max(seconds, 1e-9))
        let shown = (seconds * 100).rounded() / 100
        print("RESP fuzz: \(results.cases) cases in \(shown) s (\(rate) cases/s); \(results.summary)")

        #expect(results.cases == cases)
        for failure in results.failures {
            Issue.record("\(failure)\nrun seed 0x\(String(seed, radix: 16)); replay with RESP_FUZZ_REPLAY=0x\(String(failure.caseSeed, radix: 16))")
        }
        // Every kind of outcome must actually be exercised, or the fuzzer tests less than it claims.
        if cases >= 100_000 {
            #expect(results.valuesMatched > cases / 10)
            #expect(results.errorKinds.count >= 9, "error kinds seen: \(results.errorKinds)")
            #expect(results.incomplete > cases / 20)
        }
    }

    /// The generator and the check agree on a few fixed seeds (guards the fuzzer itself).
    @Test func fuzzCasesAreDeterministic() {
        for seed: UInt64 in [1, 2, 3, 0xDEAD_BEEF] {
            let a = FuzzCase(seed: seed)
            let b = FuzzCase(seed: seed)
            #expect(a.input == b.input && a.cuts == b.cuts && a.limits == b.limits)
        }
    }
}

/// What a run of cases saw.
struct FuzzStatistics: Sendable {
    struct Failure: Sendable, CustomStringConvertible {
        var caseSeed: UInt64
        var message: String
        var description: String { "fuzz case 0x\(String(caseSeed, radix: 16)) failed: \(message)" }
    }

    var cases = 0
    var bytes = 0
    var valuesMatched = 0
    var incomplete = 0
    var errors = 0
    var errorKinds: Set<String> = []
    var categories: [FuzzCase.Category: Int] = [:]
    var failures: [Failure] = []

    static func run(_ range: Range<Int>, seed: UInt64, trace: Bool) -> FuzzStatistics {
        var statistics = FuzzStatistics()
        for index in range {
            let caseSeed = FuzzCase.caseSeed(run: seed, index: index)
            if trace { print("RESP fuzz case \(index): RESP_FUZZ_REPLAY=0x\(String(caseSeed, radix: 16))") }
            let fuzzCase = FuzzCase(seed: caseSeed)
            statistics.cases += 1
            statistics.bytes += fuzzCase.input.count
            statistics.categories[fuzzCase.category, default: 0] += 1
            let outcome = fuzzCase.run()
            if let failure = outcome.failure {
                statistics.failures.append(Failure(caseSeed: caseSeed, message: failure))
                if statistics.failures.count >= 10 { break }
            }
            if let error = outcome.whole.error {
                statistics.errors += 1
                if statistics.errorKinds.count < 32 { statistics.errorKinds.insert(Self.name(error.kind)) }
            } else if outcome.whole.midValue || outcome.whole.leftover > 0 {
                statistics.incomplete += 1
            }
            if fuzzCase.expected != nil, outcome.failure == nil { statistics.valuesMatched += 1 }
        }
        return statistics
    }

    private static func name(_ kind: RESPDecodingError.Kind) -> String {
        let text = "\(kind)"
        return String(text.prefix(while: { $0 != "(" }))
    }

    mutating func add(_ other: FuzzStatistics) {
        cases += other.cases
        bytes += other.bytes
        valuesMatched += other.valuesMatched
        incomplete += other.incomplete
        errors += other.errors
        errorKinds.formUnion(other.errorKinds)
        categories.merge(other.categories, uniquingKeysWith: +)
        failures += other.failures
    }

    var summary: String {
        let byCategory = FuzzCase.Category.allCases.map { "\($0): \(categories[$0, default: 0])" }.joined(separator: ", ")
        return "\(bytes) bytes; \(valuesMatched) valid inputs matched, \(errors) rejected, \(incomplete) left incomplete; "
            + "categories [\(byCategory)]; error kinds \(errorKinds.sorted())"
    }
}

/// One fuzz input with how to feed it and what it must decode to.
struct FuzzCase {
    enum Category: String, CaseIterable, Sendable {
        /// Random bytes of random lengths.
        case randomBytes
        /// Randomly generated valid frames (all types, nested), unchanged: must decode to exactly their values.
        case valid
        /// Valid frames cut short: must decode to a prefix of their values, without error.
        case truncated
        /// Valid frames with bytes flipped, replaced, inserted, deleted or duplicated.
        case mutated
        /// Random sequences of type markers, digits, signs and CRLFs.
        case structuredGarbage
    }

    var category: Category
    var input: [UInt8] = []
    var cuts: [Int] = []
    var limits: RESPDecoder.Limits
    /// For `valid`: exactly these values. For `truncated`: a prefix of these.
    var expected: [RESPValue]?

    /// Small limits so that hostile lengths and counts are cheap to reject (or to wait for).
    static let fuzzLimits = RESPDecoder.Limits(maximumDepth: 16, maximumElementCount: 1000, maximumBulkLength: 1 << 20, maximumLineLength: 64)

    static func caseSeed(run seed: UInt64, index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let roll = random.below(100)
        category = roll < 20 ? .randomBytes : roll < 45 ? .valid : roll < 55 ? .truncated : roll < 80 ? .mutated : .structuredGarbage
        limits = Self.fuzzLimits

        switch category {
        case .randomBytes:
            let length = random.oneIn(8) ? random.inRange(0...64) : random.inRange(0...12)
            input = (0..<length).map { _ in random.byte() }
            limits = Self.randomLimits(using: &random)
        case .valid, .truncated, .mutated:
            var values: [RESPValue] = []
            let generator = ValueGenerator(maximumDepth: random.inRange(0...3), maximumCount: 3)
            let variants = random.oneIn(2)
            for _ in 0..<random.inRange(1...3) {
                let value = generator.value(using: &random)
                values.append(value)
                ValueGenerator.write(value, into: &input, variants: variants, using: &random)
            }
            switch category {
            case .valid:
                expected = values
            case .truncated:
                expected = values
                input.removeLast(random.inRange(1...input.count))
            default:
                for _ in 0..<random.inRange(1...3) { Self.mutate(&input, using: &random) }
                if random.oneIn(2) { limits = Self.randomLimits(using: &random) }
            }
        case .structuredGarbage:
            for _ in 0..<random.inRange(1...14) {
                input += random.oneIn(10) ? [random.byte()] : Array(random.pick(Self.tokens).utf8)
            }
            if random.oneIn(2) { limits = Self.randomLimits(using: &random) }
        }

        if random.oneIn(4) && input.count <= 64 {
            cuts = input.isEmpty ? [] : Array(1..<input.count)  // byte by byte
        } else {
            cuts = randomCuts(count: input.count, maximumParts: 6, using: &random)
        }
    }

    private static let tokens: [String] = [
        "*", "$", "%", "|", "~", ">", "+", "-", ":", "_", ",", "#", "(", "!", "=", ";", ".", "?",
        "\r\n", "\r\n", "\r\n", "\r", "\n", "0", "1", "2", "3", "9", "-1", "-2", "10", "t", "f", "e", "E", "inf", "nan",
        "txt:", "OK", "\u{FF}", "é", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "4611686018427387904",
        "*1\r\n", "*2\r\n", "*0\r\n", "%1\r\n", "~1\r\n", ">1\r\n", "|1\r\n", "|0\r\n", "$1\r\na\r\n", "$0\r\n\r\n", "$-1\r\n",
        "*-1\r\n", ":1\r\n", "_\r\n", "+OK\r\n", "-ERR\r\n", "#t\r\n", ",1.5\r\n", "(12\r\n", "!1\r\nE\r\n", "=5\r\ntxt:a\r\n",
        "$?\r\n", "*?\r\n",
    ]

    private static let interestingBytes: [UInt8] = Array("\r\n*$%|~>+-:_,#(!=?0129.".utf8) + [0, 0x7F, 0x80, 0xC3, 0xFF]

    private static func randomLimits(using random: inout SplitMix64) -> RESPDecoder.Limits {
        RESPDecoder.Limits(
            maximumDepth: random.oneIn(2) ? 16 : random.inRange(0...4),
            maximumElementCount: random.oneIn(2) ? 1000 : random.inRange(0...4),
            maximumBulkLength: random.oneIn(2) ? 1 << 20 : random.inRange(0...8),
            maximumLineLength: random.oneIn(2) ? 64 : random.inRange(0...8)
        )
    }

    private static func mutate(_ input: inout [UInt8], using random: inout SplitMix64) {
        let index = input.isEmpty ? 0 : random.below(input.count)
        switch input.isEmpty ? 2 : random.below(6) {
        case 0: input[index] ^= 1 << UInt8(random.below(8))
        case 1: input[index] = random.pick(interestingBytes)
        case 2: input.insert(random.oneIn(2) ? random.pick(interestingBytes) : random.byte(), at: index)
        case 3: input.remove(at: index)
        case 4:
            let end = min(input.count, index + random.inRange(1...8))
            input.insert(contentsOf: input[index..<end], at: random.inRange(0...input.count))
        default:
            // Rewrite a digit run, the likeliest place for hostile lengths.
            if let digit = input[index...].firstIndex(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                input.replaceSubrange(digit..<(digit + 1), with: random.pick(["0", "-1", "-2", "99", "1000", "?", "9223372036854775807", ""]).utf8)
            }
        }
    }

    struct Outcome {
        var whole: DecodeRun
        var failure: String?
    }

    /// Decodes the input whole and in `cuts`, and checks the properties.
    func run() -> Outcome {
        let whole = decode(input, limits: limits)
        let split = decode(input, cuts: cuts, limits: limits)
        return Outcome(whole: whole, failure: Self.failure(whole: whole, split: split, expected: expected, category: category))
    }

    func check() -> String? { run().failure }

    private static func failure(whole: DecodeRun, split: DecodeRun, expected: [RESPValue]?, category: Category) -> String? {
        if whole.hung || split.hung { return "decoder did not terminate: whole \(whole.summary); split \(split.summary)" }
        guard split.matches(whole) else { return "split decoding differs: whole \(whole.summary); split \(split.summary)" }
        guard let expected else { return nil }
        switch category {
        case .valid:
            guard whole.error == nil, whole.leftover == 0, !whole.midValue, same(whole.values, expected) else {
                return "valid frames misdecoded: expected \(expected); got \(whole.summary)"
            }
        default:
            guard whole.error == nil, whole.values.count < expected.count, same(whole.values, Array(expected.prefix(whole.values.count))) else {
                return "truncated frames misdecoded: expected a strict prefix of \(expected); got \(whole.summary)"
            }
        }
        return nil
    }

    var report: String {
        let outcome = run()
        return """
            category \(category), limits \(limits)
            input (\(input.count) bytes): \(escaped(input))
            cuts \(cuts)
            expected \(expected.map { "\($0)" } ?? "-")
            whole: \(outcome.whole.summary)
            split: \(decode(input, cuts: cuts, limits: limits).summary)
            \(outcome.failure ?? "OK")
            """
    }
}
