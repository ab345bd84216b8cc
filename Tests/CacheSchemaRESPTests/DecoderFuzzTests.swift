import CacheSchemaRESP
import Foundation
import NIOCore
import RedisTestSupport
import Synchronization
import Testing

/// Fuzzes `RESPDecoder`: no input may trap or hang it, split points never change what it decodes, and valid frames
/// decode to exactly the values they encode.
///
/// Deterministic: every case derives from one 64-bit case seed, itself derived from the run's seed and the case's
/// index. Environment:
/// - `RESP_FUZZ_CASES=N`: how many cases (default 150,000, the budget of a routine `swift test`; 1,000,000 or
///   50,000,000 for a long run).
/// - `RESP_FUZZ_SEED=S`: the run's seed (decimal or 0x-hex; default fixed, so CI is reproducible).
/// - `RESP_FUZZ_JOBS=J`: parallel workers (default 1; 2 for a long run on its own).
///
/// The workers run through `runCPUBound` (their own threads, nice 19, one CPU-bound job of the test process at a
/// time), so a fuzz run beside the Redis suites never starves their event loops and deadlines.
/// - `RESP_FUZZ_REPLAY=C`: run only the case with case seed `C` (printed on failure) and show its bytes and results.
/// - `RESP_FUZZ_TRACE=1`: print every case seed before running it (one worker).
///
/// A case that traps the process is reported by `FuzzCrashReporter` with its `RESP_FUZZ_REPLAY` seed.
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    static let defaultCases = 150_000
    static let defaultSeed: UInt64 = 0x5EED_0F_2E5B_CAFE

    @Test func decoderNeverTrapsHangsOrMisdecodes() async throws {
        if let replay = environmentInteger("RESP_FUZZ_REPLAY") {
            let fuzzCase = FuzzCase(seed: replay)
            print(fuzzCase.description)  // before decoding, in case decoding traps
            print(fuzzCase.report)
            if let failure = fuzzCase.check() { Issue.record("case seed 0x\(String(replay, radix: 16)): \(failure)") }
            return
        }
        let cases = Int(environmentInteger("RESP_FUZZ_CASES") ?? UInt64(Self.defaultCases))
        let seed = environmentInteger("RESP_FUZZ_SEED") ?? Self.defaultSeed
        let trace = (environmentInteger("RESP_FUZZ_TRACE") ?? 0) != 0
        let jobs = trace ? 1 : max(1, Int(environmentInteger("RESP_FUZZ_JOBS") ?? 1))
        print("RESP fuzz: \(cases) cases, seed 0x\(String(seed, radix: 16)), \(jobs) jobs (RESP_FUZZ_CASES / RESP_FUZZ_SEED / RESP_FUZZ_JOBS)")

        let clock = ContinuousClock()
        let start = clock.now
        FuzzCrashReporter.install()
        defer { FuzzCrashReporter.uninstall() }
        // One CPU-bound job for the whole run; its workers are threads of that job (a long run sets RESP_FUZZ_JOBS=2).
        let results = await runCPUBound { () -> FuzzStatistics in
            let partials = Mutex<[FuzzStatistics]>([])
            DispatchQueue.concurrentPerform(iterations: jobs) { job in
                let range = (cases * job / jobs)..<(cases * (job + 1) / jobs)
                let partial = FuzzStatistics.run(range, seed: seed, worker: job % FuzzCrashReporter.workerSlots, trace: trace)
                partials.withLock { $0.append(partial) }
            }
            var total = FuzzStatistics()
            for partial in partials.withLock({ $0 }) { total.add(partial) }
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
            #expect(results.valuesMatched > cases / 4)
            #expect(results.errorKinds.count == FuzzStatistics.kindNames.count, "error kinds seen: \(results.errorKinds)")
            #expect(results.incomplete > cases / 20)
            #expect(results.splitComparisons > cases / 10)
        }
    }

    @Test func fuzzCasesAreDeterministic() {
        for seed: UInt64 in [1, 2, 3, 0xDEAD_BEEF] {
            let a = FuzzCase(seed: seed)
            let b = FuzzCase(seed: seed)
            #expect(a.input == b.input && a.cuts == b.cuts && a.limits == b.limits && a.compareWithWhole == b.compareWithWhole)
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
    var splitComparisons = 0
    /// Bit `i` set when error kind `i` (see `kindNames`) was thrown.
    var errorKindBits = 0
    var categories = [Int](repeating: 0, count: FuzzCase.Category.allCases.count)
    var failures: [Failure] = []

    static let kindNames = [
        "unknownType", "invalidNumber", "missingCRLF", "invalidUTF8", "invalidValue", "tooDeep", "tooManyElements",
        "tooLong", "lineTooLong", "streamingNotSupported",
    ]

    /// Not `"\(kind)"`: reflection is far too slow for a per-case statistic in debug builds.
    private static func index(_ kind: RESPDecodingError.Kind) -> Int {
        switch kind {
        case .unknownType: 0
        case .invalidNumber: 1
        case .missingCRLF: 2
        case .invalidUTF8: 3
        case .invalidValue: 4
        case .tooDeep: 5
        case .tooManyElements: 6
        case .tooLong: 7
        case .lineTooLong: 8
        case .streamingNotSupported: 9
        }
    }

    var errorKinds: [String] { Self.kindNames.indices.filter { errorKindBits & (1 << $0) != 0 }.map { Self.kindNames[$0] } }

    static func run(_ range: Range<Int>, seed: UInt64, worker: Int, trace: Bool) -> FuzzStatistics {
        var statistics = FuzzStatistics()
        defer { FuzzCrashReporter.currentSeeds[worker] = 0 }
        for index in range {
            let caseSeed = FuzzCase.caseSeed(run: seed, index: index)
            FuzzCrashReporter.currentSeeds[worker] = caseSeed
            if trace { print("RESP fuzz case \(index): RESP_FUZZ_REPLAY=0x\(String(caseSeed, radix: 16))") }
            let fuzzCase = FuzzCase(seed: caseSeed)
            statistics.cases += 1
            statistics.bytes += fuzzCase.input.count
            statistics.categories[fuzzCase.category.index] += 1
            let outcome = fuzzCase.run()
            if let failure = outcome.failure {
                statistics.failures.append(Failure(caseSeed: caseSeed, message: failure))
                if statistics.failures.count >= 10 { break }
            } else if fuzzCase.expected != nil {
                statistics.valuesMatched += 1
            }
            if outcome.whole != nil { statistics.splitComparisons += 1 }
            if let error = outcome.split.error {
                statistics.errors += 1
                statistics.errorKindBits |= 1 << Self.index(error.kind)
            } else if outcome.split.midValue || outcome.split.leftover > 0 {
                statistics.incomplete += 1
            }
        }
        return statistics
    }

    mutating func add(_ other: FuzzStatistics) {
        cases += other.cases
        bytes += other.bytes
        valuesMatched += other.valuesMatched
        incomplete += other.incomplete
        errors += other.errors
        splitComparisons += other.splitComparisons
        errorKindBits |= other.errorKindBits
        for index in categories.indices { categories[index] += other.categories[index] }
        failures += other.failures
    }

    var summary: String {
        let byCategory = FuzzCase.Category.allCases.map { "\($0): \(categories[$0.index])" }.joined(separator: ", ")
        return "\(bytes) bytes; \(valuesMatched) valid or truncated inputs matched their values, \(errors) rejected, "
            + "\(incomplete) left incomplete, \(splitComparisons) also compared with whole-buffer decoding; "
            + "categories [\(byCategory)]; error kinds \(errorKinds)"
    }
}

/// One fuzz input with how to feed it and what it must decode to.
struct FuzzCase {
    enum Category: Int, CaseIterable, Sendable {
        /// Random bytes of random lengths.
        case randomBytes
        /// Randomly generated valid frames (all types, nested), unchanged: must decode to exactly their values.
        case valid
        /// Valid frames cut short: must decode to a strict prefix of their values, without error.
        case truncated
        /// Valid frames with bytes flipped, replaced, inserted, deleted or duplicated.
        case mutated
        /// Random sequences of type markers, digits, signs and CRLFs.
        case structuredGarbage

        var index: Int { rawValue }
    }

    var category: Category
    var input: [UInt8] = []
    /// Where the input is split into reads (ascending offsets; may be every offset: byte-by-byte feeding).
    var cuts: [Int] = []
    var limits: RESPDecoder.Limits
    /// For `valid`: exactly these values. For `truncated`: a strict prefix of these.
    var expected: [RESPValue]?
    /// Also decode the input whole and require the same outcome as the split decoding.
    var compareWithWhole: Bool

    /// Small limits so that hostile lengths and counts are cheap to reject (or to wait for).
    static let fuzzLimits = RESPDecoder.Limits(maximumDepth: 16, maximumElementCount: 1000, maximumBulkLength: 1 << 20, maximumLineLength: 64)

    static func caseSeed(run seed: UInt64, index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let roll = random.below(100)
        category = roll < 20 ? .randomBytes : roll < 50 ? .valid : roll < 60 ? .truncated : roll < 85 ? .mutated : .structuredGarbage
        limits = Self.fuzzLimits
        compareWithWhole = random.oneIn(category == .valid || category == .truncated ? 8 : 3)

        switch category {
        case .randomBytes:
            let length = random.oneIn(8) ? random.inRange(0...64) : random.inRange(0...12)
            input = (0..<length).map { _ in random.byte() }
            limits = Self.randomLimits(using: &random)
        case .valid, .truncated, .mutated:
            var values: [RESPValue] = []
            let generator = ValueGenerator(maximumDepth: random.oneIn(8) ? 3 : random.inRange(0...2), maximumCount: 3)
            let variants = random.oneIn(2)
            let useValueEncoder = !variants && random.oneIn(4)
            for _ in 0..<(random.oneIn(4) ? random.inRange(2...3) : 1) {
                let value = generator.value(using: &random)
                values.append(value)
                if useValueEncoder {
                    input += encoded(value)
                } else {
                    ValueGenerator.write(value, into: &input, variants: variants, using: &random)
                }
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
            for _ in 0..<random.inRange(1...12) {
                input += random.oneIn(10) ? [random.byte()] : Array(random.pick(Self.tokens).utf8)
            }
            if random.oneIn(2) { limits = Self.randomLimits(using: &random) }
        }

        if random.oneIn(8) && input.count <= 48 {
            cuts = input.isEmpty ? [] : Array(1..<input.count)  // byte by byte
        } else {
            cuts = randomCuts(count: input.count, maximumParts: 4, using: &random)
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

    /// Limits raised as far as they go: hostile lengths must not overflow arithmetic (inputs stay small, so the
    /// decoder only ever waits for the bytes they announce).
    static let unlimited = RESPDecoder.Limits(maximumDepth: .max, maximumElementCount: .max, maximumBulkLength: .max, maximumLineLength: .max)

    private static func randomLimits(using random: inout SplitMix64) -> RESPDecoder.Limits {
        if random.oneIn(10) { return unlimited }
        return RESPDecoder.Limits(
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
            // Rewrite a digit, the likeliest place for hostile lengths and counts.
            if let digit = input[index...].firstIndex(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                input.replaceSubrange(digit..<(digit + 1), with: random.pick(["0", "-1", "-2", "99", "1000", "?", "9223372036854775807", ""]).utf8)
            }
        }
    }

    struct Outcome {
        var split: DecodeRun
        var whole: DecodeRun?
        var failure: String?
    }

    /// Decodes the input in `cuts` (and whole, if asked) and checks the properties.
    func run() -> Outcome {
        let split = decode(input, cuts: cuts, limits: limits)
        let whole = compareWithWhole ? decode(input, limits: limits) : nil
        return Outcome(split: split, whole: whole, failure: failure(split: split, whole: whole))
    }

    func check() -> String? { run().failure }

    private func failure(split: DecodeRun, whole: DecodeRun?) -> String? {
        // Terminating is checked by `decode`'s bound on calls; not trapping by being here at all.
        if split.hung || whole?.hung == true { return "decoder did not terminate: \(split.summary)" }
        if let whole, !split.matches(whole) { return "split decoding differs: whole \(whole.summary); split \(split.summary)" }
        guard let expected else { return nil }
        if category == .valid {
            guard split.error == nil, split.leftover == 0, !split.midValue, same(split.values, expected) else {
                return "valid frames misdecoded: expected \(expected); got \(split.summary)"
            }
        } else {
            guard split.error == nil, split.values.count < expected.count, same(split.values, Array(expected.prefix(split.values.count))) else {
                return "truncated frames misdecoded: expected a strict prefix of \(expected); got \(split.summary)"
            }
        }
        return nil
    }

    var description: String {
        """
        category \(category), limits \(limits)
        input (\(input.count) bytes): \(escaped(input))
        cuts \(cuts)
        expected \(expected.map { "\($0)" } ?? "-")
        """
    }

    /// What decoding gives.
    var report: String {
        let outcome = run()
        return """
            split: \(outcome.split.summary)
            whole: \(decode(input, limits: limits).summary)
            \(outcome.failure ?? "OK")
            """
    }
}
