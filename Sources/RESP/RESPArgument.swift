import NIOCore

/// A value that can be a command argument: written straight into the outgoing buffer as one or more RESP bulk
/// strings, with no intermediate array.
public protocol RESPArgument: Sendable {
    /// How many bulk strings this argument writes (1 for scalars; the element count for collections).
    var respArgumentCount: Int { get }
    /// Writes the argument's bulk string(s): `$<length>\r\n<bytes>\r\n`.
    func writeRESPArgument(into buffer: inout ByteBuffer)
}

extension RESPArgument {
    /// One bulk string, by default.
    @inlinable
    public var respArgumentCount: Int { 1 }
}

extension ByteBuffer {
    /// Writes `$<length>\r\n<bytes>\r\n` for raw bytes.
    @inlinable
    public mutating func writeRESPBulk(_ bytes: UnsafeRawBufferPointer) {
        writeRESPLength(UInt8(ascii: "$"), bytes.count)
        writeBytes(bytes)
        writeRESPCRLF()
    }

    /// Writes `<marker><decimal>\r\n`.
    @inlinable
    public mutating func writeRESPLength(_ marker: UInt8, _ value: Int) {
        writeInteger(marker)
        writeRESPDecimal(value)
        writeRESPCRLF()
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
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        var copy = self
        copy.withUTF8 { buffer.writeRESPBulk(UnsafeRawBufferPointer($0)) }
    }
}

extension Substring: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        String(self).writeRESPArgument(into: &buffer)
    }
}

extension StaticString: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        withUTF8Buffer { buffer.writeRESPBulk(UnsafeRawBufferPointer($0)) }
    }
}

extension ByteBuffer: RESPArgument {
    @inlinable
    public func writeRESPArgument(into buffer: inout ByteBuffer) {
        buffer.writeRESPLength(UInt8(ascii: "$"), readableBytes)
        var copy = self
        buffer.writeBuffer(&copy)
        buffer.writeRESPCRLF()
    }
}

extension Array: RESPArgument where Element: RESPArgument {
    /// Each element is one argument (`MGET k1 k2 …`).
    @inlinable
    public var respArgumentCount: Int { reduce(0) { $0 + $1.respArgumentCount } }

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
