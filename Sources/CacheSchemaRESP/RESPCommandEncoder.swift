import NIOCore

/// Writes commands as RESP arrays of bulk strings, straight into a `ByteBuffer`.
///
/// ```swift
/// var buffer = allocator.buffer(capacity: 64)
/// RESPCommandEncoder.write(into: &buffer, "SET", key, value, "PX", 300_000)
/// ```
public enum RESPCommandEncoder {
    /// Writes one command made of the given arguments.
    @inlinable
    public static func write<each Argument: RESPArgument>(into buffer: inout ByteBuffer, _ arguments: repeat each Argument) {
        var count = 0
        var size = respBulkOverhead
        for argument in repeat each arguments {
            count += argument.respArgumentCount
            size += argument.respEncodedLengthEstimate
        }
        buffer.reserveCapacity(minimumWritableBytes: size)
        buffer.writeRESPLength(UInt8(ascii: "*"), count)
        for argument in repeat each arguments { argument.writeRESPArgument(into: &buffer) }
    }

    /// Writes one command whose arguments are only known at run time.
    @inlinable
    public static func write(into buffer: inout ByteBuffer, arguments: [any RESPArgument]) {
        var count = 0
        var size = respBulkOverhead
        for argument in arguments {
            count += argument.respArgumentCount
            size += argument.respEncodedLengthEstimate
        }
        buffer.reserveCapacity(minimumWritableBytes: size)
        buffer.writeRESPLength(UInt8(ascii: "*"), count)
        for argument in arguments { argument.writeRESPArgument(into: &buffer) }
    }
}

/// Writes RESP values (used by tests and fake servers to produce replies).
public enum RESPValueEncoder {
    /// Writes a value in RESP3 (or in RESP2 where the value has a RESP2 form).
    public static func write(_ value: RESPValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let text):
            buffer.writeInteger(UInt8(ascii: "+")); buffer.writeString(text); buffer.writeRESPCRLF()
        case .simpleError(let text):
            buffer.writeInteger(UInt8(ascii: "-")); buffer.writeString(text); buffer.writeRESPCRLF()
        case .integer(let number):
            buffer.writeInteger(UInt8(ascii: ":")); buffer.writeString(String(number)); buffer.writeRESPCRLF()
        case .bulkString(let bytes):
            bytes.writeRESPArgument(into: &buffer)
        case .null:
            buffer.writeString("_\r\n")
        case .double(let number):
            let text = number.isNaN ? "nan" : number.isInfinite ? (number < 0 ? "-inf" : "inf") : "\(number)"
            buffer.writeInteger(UInt8(ascii: ",")); buffer.writeString(text); buffer.writeRESPCRLF()
        case .boolean(let flag):
            buffer.writeString(flag ? "#t\r\n" : "#f\r\n")
        case .bigNumber(let digits):
            buffer.writeInteger(UInt8(ascii: "(")); buffer.writeString(digits); buffer.writeRESPCRLF()
        case .bulkError(let text):
            buffer.writeRESPLength(UInt8(ascii: "!"), text.utf8.count); buffer.writeString(text); buffer.writeRESPCRLF()
        case .verbatimString(let format, let text):
            buffer.writeRESPLength(UInt8(ascii: "="), text.utf8.count + 4)
            buffer.writeString(format); buffer.writeString(":"); buffer.writeString(text); buffer.writeRESPCRLF()
        case .array(let elements):
            writeAggregate(UInt8(ascii: "*"), elements, into: &buffer)
        case .set(let elements):
            writeAggregate(UInt8(ascii: "~"), elements, into: &buffer)
        case .push(let elements):
            writeAggregate(UInt8(ascii: ">"), elements, into: &buffer)
        case .map(let pairs):
            buffer.writeRESPLength(UInt8(ascii: "%"), pairs.count)
            for pair in pairs {
                write(pair.key, into: &buffer)
                write(pair.value, into: &buffer)
            }
        case .attribute(let pairs, let value):
            buffer.writeRESPLength(UInt8(ascii: "|"), pairs.count)
            for pair in pairs {
                write(pair.key, into: &buffer)
                write(pair.value, into: &buffer)
            }
            write(value, into: &buffer)
        }
    }

    private static func writeAggregate(_ marker: UInt8, _ elements: [RESPValue], into buffer: inout ByteBuffer) {
        buffer.writeRESPLength(marker, elements.count)
        for element in elements { write(element, into: &buffer) }
    }
}
