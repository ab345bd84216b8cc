import CacheSchemaRESP
import NIOCore
import RedisTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Bytes

/// The UTF-8 bytes of `text` (RESP frames in tests are written as Swift strings with `\r\n`).
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A buffer holding `bytes`.
func buffer(_ bytes: [UInt8]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeBytes(bytes)
    return buffer
}

/// A buffer holding the UTF-8 of `text`.
func buffer(_ text: String) -> ByteBuffer { buffer(bytes(text)) }

/// What `RESPValueEncoder` writes for `value`.
func encoded(_ value: RESPValue) -> [UInt8] {
    var buffer = ByteBuffer()
    RESPValueEncoder.write(value, into: &buffer)
    return Array(buffer.readableBytesView)
}

/// Shows bytes with control characters escaped, for failure messages.
func escaped(_ bytes: some Sequence<UInt8>) -> String {
    var text = ""
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\r"): text += "\\r"
        case UInt8(ascii: "\n"): text += "\\n"
        case UInt8(ascii: "\\"): text += "\\\\"
        case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16)
            text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return text
}

// MARK: - Equality

/// Structural equality where NaN equals NaN and `-0.0` differs from `0.0` (`RESPValue`'s synthesized `==` has
/// neither property).
func same(_ a: RESPValue, _ b: RESPValue) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)):
        return x.isNaN ? y.isNaN : (x == y && x.sign == y.sign)
    case (.array(let x), .array(let y)), (.set(let x), .set(let y)), (.push(let x), .push(let y)):
        return same(x, y)
    case (.map(let x), .map(let y)):
        return same(x, y)
    case (.attribute(let xPairs, let x), .attribute(let yPairs, let y)):
        return same(xPairs, yPairs) && same(x, y)
    default:
        return a == b
    }
}

func same(_ a: [RESPValue], _ b: [RESPValue]) -> Bool {
    guard a.count == b.count else { return false }
    for index in a.indices where !same(a[index], b[index]) { return false }
    return true
}

func same(_ a: [RESPPair], _ b: [RESPPair]) -> Bool {
    guard a.count == b.count else { return false }
    for index in a.indices where !same(a[index].key, b[index].key) || !same(a[index].value, b[index].value) { return false }
    return true
}

// MARK: - Feeding a decoder like a network does

/// What decoding some bytes produced.
struct DecodeRun {
    /// The complete top-level values, in order.
    var values: [RESPValue] = []
    /// The error that stopped decoding, if any.
    var error: RESPDecodingError?
    /// Bytes left unconsumed in the buffer at the end (only meaningful without an error).
    var leftover = 0
    /// Whether the decoder held a partly decoded aggregate at the end.
    var midValue = false
    /// Whether `decode` was called more often than any terminating decoder could need.
    var hung = false

    /// Same values and the same outcome (error or not; kinds may legitimately differ with the split).
    func matches(_ other: DecodeRun) -> Bool {
        guard same(values, other.values), (error == nil) == (other.error == nil), hung == other.hung else { return false }
        return error != nil || (leftover == other.leftover && midValue == other.midValue)
    }

    var summary: String {
        "\(values.count) values \(values), error \(error.map { "\($0.kind)" } ?? "none"), leftover \(leftover), midValue \(midValue)"
            + (hung ? ", HUNG" : "")
    }
}

/// Feeds `input` to a fresh decoder in the chunks that `cuts` (ascending offsets into `input`) delimit: appends each
/// chunk to one accumulating buffer, then calls `decode` until it returns `nil`, as a channel handler does.
///
/// The number of `decode` calls is bounded: every value consumes at least 3 bytes and every `nil` ends a chunk, so a
/// decoder needing more calls is looping.
func decode(_ input: [UInt8], cuts: [Int] = [], limits: RESPDecoder.Limits = .default) -> DecodeRun {
    var decoder = RESPDecoder(limits: limits)
    var buffer = ByteBufferAllocator().buffer(capacity: input.count)
    var run = DecodeRun()
    var budget = input.count / 3 + cuts.count + 2
    var start = 0
    for end in cuts + [input.count] where end >= start {
        input.withUnsafeBytes { raw in _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
        start = end
        do {
            while true {
                guard budget > 0 else {
                    run.hung = true
                    return run
                }
                budget -= 1
                guard let value = try decoder.decode(&buffer) else { break }
                run.values.append(value)
            }
        } catch {
            run.error = error
            return run
        }
    }
    run.leftover = buffer.readableBytes
    run.midValue = decoder.isMidValue
    return run
}

/// Feeds `input` one byte at a time.
func decodeByteByByte(_ input: [UInt8], limits: RESPDecoder.Limits = .default) -> DecodeRun {
    decode(input, cuts: input.isEmpty ? [] : Array(1..<input.count), limits: limits)
}

/// Decodes `bytes` as exactly one complete value, fed whole.
func decodeOne(_ bytes: [UInt8], limits: RESPDecoder.Limits = .default) throws(RESPDecodingError) -> RESPValue? {
    var decoder = RESPDecoder(limits: limits)
    var buffer = buffer(bytes)
    let value = try decoder.decode(&buffer)
    if value != nil, buffer.readableBytes != 0 || decoder.isMidValue { return nil }
    return value
}

/// The error decoding `bytes` (fed whole) throws, or `nil`.
func decodingError(_ bytes: [UInt8], limits: RESPDecoder.Limits = .default) -> RESPDecodingError.Kind? {
    decode(bytes, limits: limits).error?.kind
}

// MARK: - Randomness

/// Random ascending cut offsets splitting `count` bytes into at most `maximumParts` parts (cuts may repeat or be 0,
/// giving empty chunks, which a network read never produces but a decoder must tolerate).
func randomCuts(count: Int, maximumParts: Int, using random: inout SplitMix64) -> [Int] {
    let parts = random.inRange(1...maximumParts)
    var cuts: [Int] = []
    cuts.reserveCapacity(parts - 1)
    for _ in 1..<parts { cuts.append(random.inRange(0...count)) }
    cuts.sort()
    return cuts
}

/// Reads an integer environment variable (decimal, or hex with `0x`).
func environmentInteger(_ name: String) -> UInt64? {
    guard let raw = getenv(name) else { return nil }
    let text = String(cString: raw).trimmingSpaces
    if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
    return UInt64(text.replacing("_", with: ""))
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

// MARK: - Random values and their bytes

/// Generates random RESP values together with valid encodings of them.
///
/// Besides `RESPValueEncoder`'s canonical forms (written by `write` without `variants`, faster than the encoder in
/// debug builds), `variants` writes equivalent forms the decoder must also accept: the RESP2 nulls `$-1` and `*-1`,
/// `+inf`, `-nan`, `:+5`.
struct ValueGenerator {
    /// The deepest aggregate nesting generated (attributes count as a level for what they annotate).
    var maximumDepth = 3
    /// The most elements (or pairs) per aggregate.
    var maximumCount = 3

    static let characters: [String] = ["a", "Z", "0", " ", ":", "-", "+", "é", "日", "🙂", "\u{0}", "\t"]
    static let doubles: [Double] = [
        0, -0.0, 1.5, -2.25, 10, 1e300, -1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan,
        0.1, 123_456.789, 1e21, 1e-7,
    ]

    func value(depth: Int = 0, using random: inout SplitMix64) -> RESPValue {
        let aggregates = depth < maximumDepth
        switch random.below(aggregates ? 19 : 13) {
        case 0: return .simpleString(text(lineSafe: true, using: &random))
        case 1: return .simpleError(text(lineSafe: true, using: &random))
        case 2:
            switch random.below(4) {
            case 0: return .integer(random.pick([0, -1, 1, .max, .min, 10, -10]))
            case 1: return .integer(Int64(bitPattern: random.next()))
            default: return .integer(Int64(random.inRange(-1000...1000)))
            }
        case 3:
            var body = ByteBuffer()
            for _ in 0..<random.inRange(0...12) { body.writeInteger(random.byte()) }
            return .bulkString(body)
        case 4: return .null
        case 5:
            return .double(random.oneIn(3) ? Double(bitPattern: random.next()) : random.pick(Self.doubles))
        case 6: return .boolean(random.oneIn(2))
        case 7:
            var digits = random.oneIn(3) ? "-" : ""
            digits += String(random.inRange(1...9))
            for _ in 0..<random.inRange(0...25) { digits += String(random.below(10)) }
            return .bigNumber(digits)
        case 8: return .bulkError(text(lineSafe: false, using: &random))
        case 9:
            let format = random.oneIn(4) ? String(decoding: (0..<3).map { _ in UInt8(ascii: "a") + UInt8(random.below(26)) }, as: UTF8.self) : random.pick(["txt", "mkd"])
            return .verbatimString(format: format, text: text(lineSafe: false, using: &random))
        case 10, 11, 12:
            return .simpleString(random.pick(["OK", "PONG", "QUEUED"]))
        case 13: return .array(values(depth: depth, using: &random))
        case 14: return .set(values(depth: depth, using: &random))
        case 15: return .push(values(depth: depth, using: &random))
        case 16: return .map(pairs(depth: depth, using: &random))
        case 17: return .attribute(pairs(depth: depth, using: &random), value(depth: depth + 1, using: &random))
        default:
            // Nest deeper on purpose: aggregates in aggregates.
            return .array([value(depth: depth + 1, using: &random), .array(values(depth: depth + 1, using: &random))])
        }
    }

    private func values(depth: Int, using random: inout SplitMix64) -> [RESPValue] {
        (0..<random.inRange(0...maximumCount)).map { _ in value(depth: depth + 1, using: &random) }
    }

    private func pairs(depth: Int, using random: inout SplitMix64) -> [RESPPair] {
        (0..<random.inRange(0...maximumCount)).map { _ in
            RESPPair(key: value(depth: depth + 1, using: &random), value: value(depth: depth + 1, using: &random))
        }
    }

    /// Short random UTF-8 text; `lineSafe` excludes CR and LF (simple strings and errors cannot hold them).
    private func text(lineSafe: Bool, using random: inout SplitMix64) -> String {
        var text = ""
        for _ in 0..<random.inRange(0...6) {
            text += lineSafe || !random.oneIn(6) ? random.pick(Self.characters) : random.pick(["\r", "\n", "\r\n"])
        }
        return text
    }

    /// Writes `value` into `output` like `RESPValueEncoder` does, or, with `variants`, choosing among equivalent
    /// encodings.
    static func write(_ value: RESPValue, into output: inout [UInt8], variants: Bool, using random: inout SplitMix64) {
        func crlf() { output += [13, 10] }
        func line(_ marker: Character, _ text: String) {
            output.append(marker.asciiValue!)
            output += text.utf8
            crlf()
        }
        func bulk(_ marker: Character, _ body: some Collection<UInt8>) {
            line(marker, String(body.count))
            output += body
            crlf()
        }
        func write(_ value: RESPValue) { Self.write(value, into: &output, variants: variants, using: &random) }
        switch value {
        case .simpleString(let text): line("+", text)
        case .simpleError(let text): line("-", text)
        case .integer(let number): line(":", variants && number >= 0 && random.oneIn(2) ? "+\(number)" : String(number))
        case .bulkString(let body): bulk("$", body.readableBytesView)
        case .null: output += variants ? bytes(random.pick(["_\r\n", "$-1\r\n", "*-1\r\n"])) : [UInt8(ascii: "_"), 13, 10]
        case .double(let number):
            let text: String
            if number.isNaN {
                text = variants && random.oneIn(2) ? "-nan" : "nan"
            } else if number.isInfinite {
                text = number < 0 ? "-inf" : variants && random.oneIn(2) ? "+inf" : "inf"
            } else {
                text = "\(number)"
            }
            line(",", text)
        case .boolean(let flag): line("#", flag ? "t" : "f")
        case .bigNumber(let digits): line("(", digits)
        case .bulkError(let text): bulk("!", text.utf8)
        case .verbatimString(let format, let text): bulk("=", Array(format.utf8) + [UInt8(ascii: ":")] + Array(text.utf8))
        case .array(let elements): line("*", String(elements.count)); elements.forEach(write)
        case .set(let elements): line("~", String(elements.count)); elements.forEach(write)
        case .push(let elements): line(">", String(elements.count)); elements.forEach(write)
        case .map(let pairs):
            line("%", String(pairs.count))
            for pair in pairs { write(pair.key); write(pair.value) }
        case .attribute(let pairs, let target):
            line("|", String(pairs.count))
            for pair in pairs { write(pair.key); write(pair.value) }
            write(target)
        }
    }
}

// MARK: - Reporting the fuzz case that traps

/// Prints the seed of the fuzz case each worker is running when the process traps (a Swift runtime failure is
/// SIGILL or SIGTRAP; a wild access SIGSEGV or SIGBUS), then hands the signal to the previous handler (the Swift
/// runtime's backtracer), so that a crash is reproducible with `RESP_FUZZ_REPLAY`.
enum FuzzCrashReporter {
    static let workerSlots = 64
    /// The case seed each worker runs (0 when idle). Written without synchronization: read only while crashing.
    nonisolated(unsafe) static let currentSeeds: UnsafeMutablePointer<UInt64> = {
        let seeds = UnsafeMutablePointer<UInt64>.allocate(capacity: workerSlots)
        seeds.initialize(repeating: 0, count: workerSlots)
        return seeds
    }()

    #if os(Linux)
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS]
    nonisolated(unsafe) private static let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 4)
    /// Preallocated: a signal handler should not allocate.
    nonisolated(unsafe) private static let message = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)

    static func install() {
        _ = currentSeeds
        _ = message
        for (index, signal) in signals.enumerated() {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in FuzzCrashReporter.report(signal) }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previousActions + index)
        }
    }

    static func uninstall() {
        for (index, signal) in signals.enumerated() { sigaction(signal, previousActions + index, nil) }
    }

    private static func report(_ signal: Int32) {
        for slot in 0..<workerSlots where currentSeeds[slot] != 0 {
            var length = 0
            let prefix: StaticString = "\nRESP fuzz: crashed running RESP_FUZZ_REPLAY=0x"
            for byte in UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount) {
                message[length] = byte
                length += 1
            }
            let seed = currentSeeds[slot]
            for shift in stride(from: 60, through: 0, by: -4) {
                let digit = UInt8(truncatingIfNeeded: (seed >> UInt64(shift)) & 0xF)
                message[length] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                length += 1
            }
            message[length] = UInt8(ascii: "\n")
            _ = write(2, message, length + 1)
        }
        // Restore the previous handler; returning re-executes the faulting instruction, which invokes it.
        if let index = signals.firstIndex(of: signal) { sigaction(signal, previousActions + index, nil) }
    }
    #else
    static func install() {}
    static func uninstall() {}
    #endif
}
