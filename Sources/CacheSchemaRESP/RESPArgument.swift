import NIOCore

/// A value that can be a command argument: written straight into the outgoing buffer as one or more RESP bulk
/// strings, with no intermediate array.
public protocol RESPArgument: Sendable {
    /// How many bulk strings this argument writes (1 for scalars; the element count for collections).
    var respArgumentCount: Int { get }
    /// About how many bytes ``writeRESPArgument(into:)`` writes, so that a command's buffer is allocated once at the
    /// right size instead of growing several times. An estimate: the buffer still grows when it is too small.
    var respEncodedLengthEstimate: Int { get }
    /// Writes the argument's bulk string(s): `$<length>\r\n<bytes>\r\n`.
    func writeRESPArgument(into buffer: inout ByteBuffer)
}

extension RESPArgument {
    /// One bulk string, by default.
    @inlinable
    public var respArgumentCount: Int { 1 }

    /// A short scalar, by default.
    @inlinable
    public var respEncodedLengthEstimate: Int { 32 }
}

@usableFromInline
let respBulkOverhead = 16  // `$`, the length (up to 11 digits), two CRLFs

extension ByteBuffer {
    /// Writes `$<length>\r\n<bytes>\r\n` for raw bytes, with one capacity check and one copy.
    @inlinable
    public mutating func writeRESPBulk(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        let digits = RESPDecimal.width(of: count)
        let total = 1 + digits + 2 + count + 2
        writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
            let base = out.baseAddress!
            base.storeBytes(of: UInt8(ascii: "$"), as: UInt8.self)
            RESPDecimal.write(count, width: digits, to: base + 1)
            (base + 1 + digits).storeBytes(of: UInt16(0x0D0A).bigEndian, as: UInt16.self)
            if count > 0 { (base + 3 + digits).copyMemory(from: bytes.baseAddress!, byteCount: count) }
            (base + total - 2).storeBytes(of: UInt16(0x0D0A).bigEndian, as: UInt16.self)
            return total
        }
    }

    /// Writes `<marker><decimal>\r\n`.
    @inlinable
    public mutating func writeRESPLength(_ marker: UInt8, _ value: Int) {
        let digits = RESPDecimal.width(of: value)
        let total = 1 + digits + 2
        writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
            let base = out.baseAddress!
            base.storeBytes(of: marker, as: UInt8.self)
            RESPDecimal.write(value, width: digits, to: base + 1)
            (base + 1 + digits).storeBytes(of: UInt16(0x0D0A).bigEndian, as: UInt16.self)
            return total
        }
    }

    /// Writes an integer's decimal digits without allocating a String.
    @inlinable
    public mutating func writeRESPDecimal(_ value: Int) {
        RESPDecimal.withDigits(of: value) { _ = writeBytes($0) }
    }

    @inlinable
    public mutating func writeRESPCRLF() {
        writeInteger(UInt16(0x0D0A), endianness: .big)
    }
}

extension String: RESPArgument {
    @inlinable
    public var respEncodedLengthEstimate: Int { utf8.count + respBulkOverhead }

    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        var copy = self
        copy.withUTF8 { buffer.writeRESPBulk(UnsafeRawBufferPointer($0)) }
    }
}

extension Substring: RESPArgument {
    @inlinable
    public var respEncodedLengthEstimate: Int { utf8.count + respBulkOverhead }

    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        String(self).writeRESPArgument(into: &buffer)
    }
}

extension StaticString: RESPArgument {
    @inlinable
    public var respEncodedLengthEstimate: Int { utf8CodeUnitCount + respBulkOverhead }

    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        withUTF8Buffer { buffer.writeRESPBulk(UnsafeRawBufferPointer($0)) }
    }
}

extension ByteBuffer: RESPArgument {
    @inlinable
    public var respEncodedLengthEstimate: Int { readableBytes + respBulkOverhead }

    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        withUnsafeReadableBytes { buffer.writeRESPBulk($0) }
    }
}

extension Array: RESPArgument where Element: RESPArgument {
    /// Each element is one argument (`MGET k1 k2 …`).
    @inlinable
    public var respArgumentCount: Int { reduce(0) { $0 + $1.respArgumentCount } }

    @inlinable
    public var respEncodedLengthEstimate: Int { reduce(0) { $0 + $1.respEncodedLengthEstimate } }

    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        for element in self { element.writeRESPArgument(into: &buffer) }
    }
}

extension Optional: RESPArgument where Wrapped: RESPArgument {
    /// `nil` writes nothing, so optional flags can be passed inline.
    @inlinable
    public var respArgumentCount: Int { self?.respArgumentCount ?? 0 }

    @inlinable
    public var respEncodedLengthEstimate: Int { self?.respEncodedLengthEstimate ?? 0 }

    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        self?.writeRESPArgument(into: &buffer)
    }
}

extension Int: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        RESPDecimal.withDigits(of: self) { digits in buffer.writeRESPBulk(digits) }
    }
}

extension Int64: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        Int(self).writeRESPArgument(into: &buffer)
    }
}

extension UInt64: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        String(self).writeRESPArgument(into: &buffer)
    }
}

extension Double: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        let text = isInfinite ? (self < 0 ? "-inf" : "+inf") : "\(self)"
        text.writeRESPArgument(into: &buffer)
    }
}

/// Decimal digits of an integer in stack scratch space.
@usableFromInline
enum RESPDecimal {
    /// The number of characters of `value` in decimal, with its sign.
    @inlinable
    static func width(of value: Int) -> Int {
        var magnitude = value.magnitude
        var width = value < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            width += 1
        }
        return width
    }

    /// Writes `value` in decimal to the `width` bytes at `start` (`width` from ``width(of:)``).
    @inlinable
    static func write(_ value: Int, width: Int, to start: UnsafeMutableRawPointer) {
        var magnitude = value.magnitude
        var index = width
        repeat {
            index -= 1
            start.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10), toByteOffset: index, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 { start.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self) }
    }

    @inlinable
    static func withDigits<Result>(of value: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for Int64.min
        return withUnsafeMutableBytes(of: &scratch) { bytes in
            var magnitude = value.magnitude
            var index = bytes.count
            repeat {
                index -= 1
                bytes[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                index -= 1
                bytes[index] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(rebasing: bytes[index...]))
        }
    }
}
