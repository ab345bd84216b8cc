import NIOCore

/// An incremental RESP2/RESP3 decoder: feed it bytes as they arrive; it returns each complete top-level value.
///
/// It keeps partially received aggregates between calls, so a reply split anywhere (even byte by byte) decodes to the
/// same value, and a large reply arriving in many reads is never re-parsed from its start. Limits on nesting, element
/// counts, bulk lengths and line lengths bound what a hostile or broken server can make it allocate.
public struct RESPDecoder: Sendable {
    /// Bounds on what one reply may contain.
    public struct Limits: Sendable, Hashable {
        /// The deepest aggregate nesting accepted.
        public var maximumDepth: Int
        /// The most elements one aggregate may announce (pairs count twice in maps).
        public var maximumElementCount: Int
        /// The longest bulk string, bulk error or verbatim string accepted, in bytes.
        public var maximumBulkLength: Int
        /// The longest simple line (status, error, number) accepted, in bytes.
        public var maximumLineLength: Int

        /// Creates limits.
        public init(maximumDepth: Int = 128, maximumElementCount: Int = 1 << 24, maximumBulkLength: Int = 512 << 20, maximumLineLength: Int = 64 << 10) {
            self.maximumDepth = maximumDepth
            self.maximumElementCount = maximumElementCount
            self.maximumBulkLength = maximumBulkLength
            self.maximumLineLength = maximumLineLength
        }

        /// Redis' own limits: 512 MB strings, nesting far beyond anything a command returns.
        public static let `default` = Limits()
    }

    private enum AggregateKind: Sendable {
        case array, set, map, push, attribute
        case attributed([RESPPair])
    }

    private struct Frame: Sendable {
        var kind: AggregateKind
        var remaining: Int
        var elements: [RESPValue]
    }

    /// The limits in force.
    public let limits: Limits
    private var stack: [Frame] = []

    /// Creates a decoder.
    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Whether a value is partly decoded (an aggregate waits for more elements).
    public var isMidValue: Bool { !stack.isEmpty }

    /// Decodes the next complete top-level value from `buffer`, consuming its bytes, or returns `nil` when more bytes
    /// are needed (the bytes of a partly received element are left in `buffer`).
    ///
    /// - Throws: ``RESPDecodingError`` on invalid input; the decoder must not be used afterwards.
    public mutating func decode(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        while true {
            let start = buffer.readerIndex
            guard let item = try parseItem(&buffer) else {
                buffer.moveReaderIndex(to: start)
                return nil
            }
            var value: RESPValue
            switch item {
            case .value(let parsed):
                value = parsed
            case .aggregate(let kind, let count):
                if count == 0, case .attribute = kind {
                    // An empty attribute still applies to the value that follows it.
                    guard stack.count < limits.maximumDepth else { throw RESPDecodingError(.tooDeep(limit: limits.maximumDepth)) }
                    stack.append(Frame(kind: .attributed([]), remaining: 1, elements: []))
                    continue
                } else if count == 0 {
                    value = Self.build(kind, [])
                } else {
                    guard stack.count < limits.maximumDepth else { throw RESPDecodingError(.tooDeep(limit: limits.maximumDepth)) }
                    var elements: [RESPValue] = []
                    elements.reserveCapacity(min(count, 1024))
                    stack.append(Frame(kind: kind, remaining: count, elements: elements))
                    continue
                }
            }
            // Hand the completed value to its parent, completing parents in turn.
            while !stack.isEmpty {
                let top = stack.count - 1
                stack[top].elements.append(value)
                stack[top].remaining -= 1
                guard stack[top].remaining == 0 else { break }
                let frame = stack.removeLast()
                if case .attribute = frame.kind {
                    // An attribute applies to the value that follows it.
                    guard stack.count < limits.maximumDepth else { throw RESPDecodingError(.tooDeep(limit: limits.maximumDepth)) }
                    stack.append(Frame(kind: .attributed(Self.pairs(frame.elements)), remaining: 1, elements: []))
                    value = .null
                    break
                }
                value = Self.build(frame.kind, frame.elements)
                if stack.isEmpty { return value }
            }
            if stack.isEmpty { return value }
            if case .attributed? = stack.last?.kind, stack.last?.elements.isEmpty == true { continue }
        }
    }

    private static func pairs(_ elements: [RESPValue]) -> [RESPPair] {
        stride(from: 0, to: elements.count - 1, by: 2).map { RESPPair(key: elements[$0], value: elements[$0 + 1]) }
    }

    private static func build(_ kind: AggregateKind, _ elements: [RESPValue]) -> RESPValue {
        switch kind {
        case .array: .array(elements)
        case .set: .set(elements)
        case .push: .push(elements)
        case .map: .map(pairs(elements))
        case .attribute: .attribute(pairs(elements), .null)
        case .attributed(let pairs): .attribute(pairs, elements.first ?? .null)
        }
    }

    private enum Item {
        case value(RESPValue)
        case aggregate(AggregateKind, count: Int)
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Parses one item header (and a scalar's body). Returns `nil` when the item is not complete yet.
    private func parseItem(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> Item? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            guard let line = try readLine(&buffer) else { return nil }
            return .value(.simpleString(try text(line)))
        case UInt8(ascii: "-"):
            guard let line = try readLine(&buffer) else { return nil }
            return .value(.simpleError(try text(line)))
        case UInt8(ascii: ":"):
            guard let line = try readLine(&buffer) else { return nil }
            return .value(.integer(try integer(line)))
        case UInt8(ascii: "_"):
            guard let line = try readLine(&buffer) else { return nil }
            guard line.readableBytes == 0 else { throw RESPDecodingError(.invalidValue) }
            return .value(.null)
        case UInt8(ascii: "#"):
            guard let line = try readLine(&buffer) else { return nil }
            switch line.readableBytesView.first {
            case UInt8(ascii: "t") where line.readableBytes == 1: return .value(.boolean(true))
            case UInt8(ascii: "f") where line.readableBytes == 1: return .value(.boolean(false))
            default: throw RESPDecodingError(.invalidValue)
            }
        case UInt8(ascii: ","):
            guard let line = try readLine(&buffer) else { return nil }
            let string = try text(line)
            switch string {
            case "inf", "+inf": return .value(.double(.infinity))
            case "-inf": return .value(.double(-.infinity))
            case "nan", "-nan": return .value(.double(.nan))
            default:
                guard let double = Double(string), string.utf8.allSatisfy({ Self.isDoubleByte($0) }) else {
                    throw RESPDecodingError(.invalidValue)
                }
                return .value(.double(double))
            }
        case UInt8(ascii: "("):
            guard let line = try readLine(&buffer) else { return nil }
            let digits = try text(line)
            let body = digits.hasPrefix("-") || digits.hasPrefix("+") ? digits.dropFirst() : Substring(digits)
            guard !body.isEmpty, body.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw RESPDecodingError(.invalidNumber)
            }
            return .value(.bigNumber(digits))
        case UInt8(ascii: "$"):
            guard let bulk = try readBulk(&buffer) else { return nil }
            return .value(bulk.map { .bulkString($0) } ?? .null)
        case UInt8(ascii: "!"):
            guard let bulk = try readBulk(&buffer) else { return nil }
            guard let bytes = bulk else { throw RESPDecodingError(.invalidValue) }
            return .value(.bulkError(try text(bytes)))
        case UInt8(ascii: "="):
            guard let bulk = try readBulk(&buffer) else { return nil }
            guard var bytes = bulk, bytes.readableBytes >= 4, let format = bytes.readSlice(length: 3),
                bytes.readInteger(as: UInt8.self) == UInt8(ascii: ":")
            else { throw RESPDecodingError(.invalidValue) }
            // The format is validated like the text (`readString` would replace invalid bytes with U+FFFD).
            return .value(.verbatimString(format: try text(format), text: try text(bytes)))
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            guard let line = try readLine(&buffer) else { return nil }
            if line.readableBytesView.first == UInt8(ascii: "?") { throw RESPDecodingError(.streamingNotSupported) }
            let count = try integer(line)
            if count == -1 && (marker == UInt8(ascii: "*")) { return .value(.null) }
            guard count >= 0 else { throw RESPDecodingError(.invalidNumber) }
            let pairs = marker == UInt8(ascii: "%") || marker == UInt8(ascii: "|")
            let elements = pairs ? count.multipliedReportingOverflow(by: 2) : (partialValue: count, overflow: false)
            guard !elements.overflow, elements.partialValue <= Int64(limits.maximumElementCount) else {
                throw RESPDecodingError(.tooManyElements(count: Int(clamping: count), limit: limits.maximumElementCount))
            }
            let kind: AggregateKind
            switch marker {
            case UInt8(ascii: "*"): kind = .array
            case UInt8(ascii: "~"): kind = .set
            case UInt8(ascii: "%"): kind = .map
            case UInt8(ascii: ">"): kind = .push
            default: kind = .attribute
            }
            return .aggregate(kind, count: Int(elements.partialValue))
        default:
            throw RESPDecodingError(.unknownType(marker))
        }
    }

    private static func isDoubleByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// Reads up to CRLF (consumed, not returned). `nil` when no CRLF has arrived yet.
    private func readLine(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: Self.lf) else {
            // The last byte may be the line's CR, its LF still in flight: only more than limit + 1 bytes prove the
            // line too long (otherwise a line exactly at the limit fails when a read ends between CR and LF).
            if view.count - 1 > limits.maximumLineLength { throw RESPDecodingError(.lineTooLong(limit: limits.maximumLineLength)) }
            return nil
        }
        let length = lf - view.startIndex
        guard length >= 1, view[lf - 1] == Self.cr else { throw RESPDecodingError(.missingCRLF) }
        guard length - 1 <= limits.maximumLineLength else { throw RESPDecodingError(.lineTooLong(limit: limits.maximumLineLength)) }
        let line = buffer.readSlice(length: length - 1)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// Reads a length-prefixed body. Returns `nil` when incomplete, `.some(nil)` for the RESP2 null bulk `$-1`.
    private func readBulk(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> ByteBuffer?? {
        guard let line = try readLine(&buffer) else { return nil }
        if line.readableBytesView.first == UInt8(ascii: "?") { throw RESPDecodingError(.streamingNotSupported) }
        let length = try integer(line)
        if length == -1 { return .some(nil) }
        guard length >= 0 else { throw RESPDecodingError(.invalidNumber) }
        guard length <= Int64(limits.maximumBulkLength) else {
            throw RESPDecodingError(.tooLong(length: Int(clamping: length), limit: limits.maximumBulkLength))
        }
        let count = Int(length)
        guard buffer.readableBytes - 2 >= count else { return nil }  // not `count + 2`: it overflows for huge limits
        let body = buffer.readSlice(length: count)!
        guard buffer.readInteger(as: UInt8.self) == Self.cr, buffer.readInteger(as: UInt8.self) == Self.lf else {
            throw RESPDecodingError(.missingCRLF)
        }
        return .some(body)
    }

    private func text(_ bytes: ByteBuffer) throws(RESPDecodingError) -> String {
        guard let string = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw RESPDecodingError(.invalidUTF8)
        }
        return string
    }

    private func integer(_ bytes: ByteBuffer) throws(RESPDecodingError) -> Int64 {
        let view = bytes.readableBytesView
        guard !view.isEmpty, view.count <= 20 else { throw RESPDecodingError(.invalidNumber) }
        var index = view.startIndex
        var negative = false
        if view[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        } else if view[index] == UInt8(ascii: "+") {
            index += 1
        }
        guard index < view.endIndex else { throw RESPDecodingError(.invalidNumber) }
        var value: Int64 = 0
        while index < view.endIndex {
            let byte = view[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw RESPDecodingError(.invalidNumber) }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw RESPDecodingError(.invalidNumber) }
            value = sum
            index += 1
        }
        return value
    }
}
