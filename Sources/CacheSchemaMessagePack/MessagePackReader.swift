/// Why bytes are not well-formed MessagePack. ``MessagePackDecoder`` reports it as `DecodingError.dataCorrupted`.
enum MessagePackFormatError: Error, CustomStringConvertible {
    /// The input ends inside a value.
    case truncated(offset: Int, needed: Int, available: Int)
    /// `0xc1`, which the format never uses.
    case neverUsedByte(offset: Int)
    /// An array or map declares more elements than the remaining bytes could hold.
    case countExceedsInput(offset: Int, count: UInt64, available: Int)
    /// Arrays and maps nest deeper than the limit.
    case tooDeep(offset: Int, limit: Int)

    var description: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            "truncated MessagePack: the value at byte \(offset) needs \(needed) bytes, \(available) remain (the stored bytes are incomplete)"
        case .neverUsedByte(let offset):
            "byte \(offset) is 0xc1, which MessagePack never uses (the stored bytes are not MessagePack)"
        case .countExceedsInput(let offset, let count, let available):
            "the container at byte \(offset) declares \(count) elements but only \(available) bytes remain (the stored bytes are corrupt)"
        case .tooDeep(let offset, let limit):
            "the container at byte \(offset) nests deeper than \(limit) levels (raise maxDepth of MessagePackCacheCodec if that is legitimate)"
        }
    }
}

/// One MessagePack value's header, as read by ``MessagePackReader/token(at:)``.
struct MessagePackToken {
    enum Kind {
        case `nil`, bool, unsigned, signed, float32, float64, string, binary, array, map, `extension`
    }

    var kind: Kind
    /// `bool`: 0 or 1; `unsigned`: the value; `signed`: its bit pattern; floats: their bit pattern; `string`,
    /// `binary`, `extension`: the payload length; `array`, `map`: the element count (pairs for a map).
    var value: UInt64
    /// Where the payload of a string, binary or extension value starts (after an extension's type byte).
    var payload: Int = 0
    /// The extension type.
    var extensionType: Int8 = 0
    /// Where the next value starts: after the whole value for scalars, after the header for arrays and maps.
    var end: Int

    var name: String {
        switch kind {
        case .nil: "nil"
        case .bool: "a boolean"
        case .unsigned, .signed: "an integer"
        case .float32: "a float32"
        case .float64: "a float64"
        case .string: "a string"
        case .binary: "binary data"
        case .array: "an array"
        case .map: "a map"
        case .extension: "extension type \(extensionType)"
        }
    }
}

/// Reads MessagePack headers from a byte buffer. Every read is bounds-checked and throws
/// ``MessagePackFormatError`` instead of reading past the end; every declared length is checked against the bytes
/// that remain before anything is done with it, so hostile lengths fail at once and allocate nothing.
struct MessagePackReader {
    let base: UnsafeRawPointer
    let count: Int

    @inline(__always)
    func require(_ needed: Int, at offset: Int, valueStart: Int) throws(MessagePackFormatError) {
        guard offset >= 0, needed <= count - offset else {
            throw .truncated(offset: valueStart, needed: needed + (offset - valueStart), available: max(0, count - valueStart))
        }
    }

    @inline(__always)
    func byte(at offset: Int) throws(MessagePackFormatError) -> UInt8 {
        try require(1, at: offset, valueStart: offset)
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// A big-endian integer at `offset`; the caller has checked the bounds.
    @inline(__always)
    func bigEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
        T(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The header of the value at `offset`.
    func token(at offset: Int) throws(MessagePackFormatError) -> MessagePackToken {
        let first = try byte(at: offset)
        switch first {
        case 0x00...0x7f:
            return MessagePackToken(kind: .unsigned, value: UInt64(first), end: offset + 1)
        case 0x80...0x8f:
            return try container(.map, count: UInt64(first & 0x0f), headerEnd: offset + 1, offset: offset)
        case 0x90...0x9f:
            return try container(.array, count: UInt64(first & 0x0f), headerEnd: offset + 1, offset: offset)
        case 0xa0...0xbf:
            return try payload(.string, length: UInt64(first & 0x1f), payloadStart: offset + 1, offset: offset)
        case 0xc0:
            return MessagePackToken(kind: .nil, value: 0, end: offset + 1)
        case 0xc1:
            throw .neverUsedByte(offset: offset)
        case 0xc2, 0xc3:
            return MessagePackToken(kind: .bool, value: UInt64(first & 1), end: offset + 1)
        case 0xc4, 0xd9:
            try require(2, at: offset, valueStart: offset)
            return try payload(first == 0xc4 ? .binary : .string, length: UInt64(bigEndian(at: offset + 1, as: UInt8.self)), payloadStart: offset + 2, offset: offset)
        case 0xc5, 0xda:
            try require(3, at: offset, valueStart: offset)
            return try payload(first == 0xc5 ? .binary : .string, length: UInt64(bigEndian(at: offset + 1, as: UInt16.self)), payloadStart: offset + 3, offset: offset)
        case 0xc6, 0xdb:
            try require(5, at: offset, valueStart: offset)
            return try payload(first == 0xc6 ? .binary : .string, length: UInt64(bigEndian(at: offset + 1, as: UInt32.self)), payloadStart: offset + 5, offset: offset)
        case 0xc7:
            try require(3, at: offset, valueStart: offset)
            return try extensionValue(length: UInt64(bigEndian(at: offset + 1, as: UInt8.self)), typeOffset: offset + 2, offset: offset)
        case 0xc8:
            try require(4, at: offset, valueStart: offset)
            return try extensionValue(length: UInt64(bigEndian(at: offset + 1, as: UInt16.self)), typeOffset: offset + 3, offset: offset)
        case 0xc9:
            try require(6, at: offset, valueStart: offset)
            return try extensionValue(length: UInt64(bigEndian(at: offset + 1, as: UInt32.self)), typeOffset: offset + 5, offset: offset)
        case 0xca:
            try require(5, at: offset, valueStart: offset)
            return MessagePackToken(kind: .float32, value: UInt64(bigEndian(at: offset + 1, as: UInt32.self)), end: offset + 5)
        case 0xcb:
            try require(9, at: offset, valueStart: offset)
            return MessagePackToken(kind: .float64, value: bigEndian(at: offset + 1, as: UInt64.self), end: offset + 9)
        case 0xcc:
            try require(2, at: offset, valueStart: offset)
            return MessagePackToken(kind: .unsigned, value: UInt64(bigEndian(at: offset + 1, as: UInt8.self)), end: offset + 2)
        case 0xcd:
            try require(3, at: offset, valueStart: offset)
            return MessagePackToken(kind: .unsigned, value: UInt64(bigEndian(at: offset + 1, as: UInt16.self)), end: offset + 3)
        case 0xce:
            try require(5, at: offset, valueStart: offset)
            return MessagePackToken(kind: .unsigned, value: UInt64(bigEndian(at: offset + 1, as: UInt32.self)), end: offset + 5)
        case 0xcf:
            try require(9, at: offset, valueStart: offset)
            return MessagePackToken(kind: .unsigned, value: bigEndian(at: offset + 1, as: UInt64.self), end: offset + 9)
        case 0xd0:
            try require(2, at: offset, valueStart: offset)
            return signed(Int64(bigEndian(at: offset + 1, as: Int8.self)), end: offset + 2)
        case 0xd1:
            try require(3, at: offset, valueStart: offset)
            return signed(Int64(bigEndian(at: offset + 1, as: Int16.self)), end: offset + 3)
        case 0xd2:
            try require(5, at: offset, valueStart: offset)
            return signed(Int64(bigEndian(at: offset + 1, as: Int32.self)), end: offset + 5)
        case 0xd3:
            try require(9, at: offset, valueStart: offset)
            return signed(bigEndian(at: offset + 1, as: Int64.self), end: offset + 9)
        case 0xd4: return try extensionValue(length: 1, typeOffset: offset + 1, offset: offset)
        case 0xd5: return try extensionValue(length: 2, typeOffset: offset + 1, offset: offset)
        case 0xd6: return try extensionValue(length: 4, typeOffset: offset + 1, offset: offset)
        case 0xd7: return try extensionValue(length: 8, typeOffset: offset + 1, offset: offset)
        case 0xd8: return try extensionValue(length: 16, typeOffset: offset + 1, offset: offset)
        case 0xdc:
            try require(3, at: offset, valueStart: offset)
            return try container(.array, count: UInt64(bigEndian(at: offset + 1, as: UInt16.self)), headerEnd: offset + 3, offset: offset)
        case 0xdd:
            try require(5, at: offset, valueStart: offset)
            return try container(.array, count: UInt64(bigEndian(at: offset + 1, as: UInt32.self)), headerEnd: offset + 5, offset: offset)
        case 0xde:
            try require(3, at: offset, valueStart: offset)
            return try container(.map, count: UInt64(bigEndian(at: offset + 1, as: UInt16.self)), headerEnd: offset + 3, offset: offset)
        case 0xdf:
            try require(5, at: offset, valueStart: offset)
            return try container(.map, count: UInt64(bigEndian(at: offset + 1, as: UInt32.self)), headerEnd: offset + 5, offset: offset)
        default:  // 0xe0...0xff, negative fixint
            return signed(Int64(Int8(bitPattern: first)), end: offset + 1)
        }
    }

    @inline(__always)
    private func signed(_ value: Int64, end: Int) -> MessagePackToken {
        // A non-negative value in a signed format is the same integer as in an unsigned one.
        value >= 0
            ? MessagePackToken(kind: .unsigned, value: UInt64(value), end: end)
            : MessagePackToken(kind: .signed, value: UInt64(bitPattern: value), end: end)
    }

    @inline(__always)
    private func payload(_ kind: MessagePackToken.Kind, length: UInt64, payloadStart: Int, offset: Int) throws(MessagePackFormatError) -> MessagePackToken {
        // `length` is at most 2^32 - 1, so the conversion cannot trap.
        try require(Int(length), at: payloadStart, valueStart: offset)
        return MessagePackToken(kind: kind, value: length, payload: payloadStart, end: payloadStart + Int(length))
    }

    private func extensionValue(length: UInt64, typeOffset: Int, offset: Int) throws(MessagePackFormatError) -> MessagePackToken {
        try require(1 + Int(length), at: typeOffset, valueStart: offset)
        let type = Int8(bitPattern: base.load(fromByteOffset: typeOffset, as: UInt8.self))
        return MessagePackToken(kind: .extension, value: length, payload: typeOffset + 1, extensionType: type, end: typeOffset + 1 + Int(length))
    }

    @inline(__always)
    private func container(_ kind: MessagePackToken.Kind, count elements: UInt64, headerEnd: Int, offset: Int) throws(MessagePackFormatError) -> MessagePackToken {
        // Every value takes at least one byte: a count the rest of the input cannot hold fails here.
        let minimumBytes = kind == .map ? elements * 2 : elements
        guard minimumBytes <= UInt64(count - headerEnd) else {
            throw .countExceedsInput(offset: offset, count: elements, available: count - headerEnd)
        }
        return MessagePackToken(kind: kind, value: elements, end: headerEnd)
    }

    /// Checks that the input is exactly one well-formed value whose arrays and maps nest at most `maxDepth` deep;
    /// returns where it ends and the end of every container holding more than `memoizedSize` values, so that
    /// ``skip(_:ends:)`` never walks a large container twice. Iterative: nesting costs no stack.
    func validate(maxDepth: Int, memoizedSize: Int = 64) throws(MessagePackFormatError) -> (end: Int, ends: [Int: Int]) {
        struct Open {
            var start: Int
            var remaining: Int
            var firstValue: Int
        }
        // Containers can nest no deeper than the input has bytes: the stack fits in a small temporary allocation.
        let capacity = max(1, min(maxDepth, count))
        return try withUnsafeTemporaryAllocation(of: Open.self, capacity: capacity) { (open) throws(MessagePackFormatError) -> (end: Int, ends: [Int: Int]) in
            var ends: [Int: Int] = [:]
            var depth = 0
            var position = 0
            var values = 0
            repeat {
                let start = position
                let token = try token(at: position)
                values += 1
                position = token.end
                if token.kind == .array || token.kind == .map, token.value > 0 {
                    guard depth < capacity else { throw .tooDeep(offset: start, limit: maxDepth) }
                    // `token(at:)` checked the count against the input size, so it is small enough to double.
                    open.initializeElement(at: depth, to: Open(start: start, remaining: Int(token.value) * (token.kind == .map ? 2 : 1), firstValue: values))
                    depth += 1
                    continue
                }
                // A value is complete: so is every container it completes.
                while depth > 0 {
                    open[depth - 1].remaining -= 1
                    guard open[depth - 1].remaining == 0 else { break }
                    depth -= 1
                    let finished = open[depth]
                    if values - finished.firstValue > memoizedSize { ends[finished.start] = position }
                }
            } while depth > 0
            return (position, ends)
        }
    }

    /// Where the value at `offset` ends, nested values included; `ends` are the memoized container ends from
    /// ``validate(maxDepth:memoizedSize:)``. Iterative: nesting depth costs no stack.
    func skip(_ offset: Int, ends: [Int: Int]) throws(MessagePackFormatError) -> Int {
        var position = offset
        var remaining = 1
        while remaining > 0 {
            let token = try token(at: position)
            remaining -= 1
            if token.kind == .array || token.kind == .map {
                if !ends.isEmpty, let end = ends[position] {
                    position = end
                    continue
                }
                remaining += Int(token.value) * (token.kind == .map ? 2 : 1)
            }
            position = token.end
            // Every remaining value needs a byte; this also keeps `remaining` bounded by the input size.
            guard remaining <= count - position else {
                throw .truncated(offset: offset, needed: remaining + (position - offset), available: count - offset)
            }
        }
        return position
    }
}
