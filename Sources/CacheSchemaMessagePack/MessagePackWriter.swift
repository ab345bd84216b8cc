/// Appends MessagePack values to one growing byte array, always in the smallest encoding the format allows.
///
/// The writer knows nothing about `Codable`; ``MessagePackEncoder`` drives it. Container headers are written by the
/// encoder once a container's element count is known (see ``MessagePackWriter/patchHeader(at:count:isMap:)``).
struct MessagePackWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func writeNil() {
        bytes.append(0xc0)
    }

    mutating func write(_ value: Bool) {
        bytes.append(value ? 0xc3 : 0xc2)
    }

    mutating func write(_ value: Int64) {
        if value >= 0 {
            write(UInt64(value))
        } else if value >= -32 {
            bytes.append(UInt8(truncatingIfNeeded: value))  // negative fixint
        } else if value >= Int64(Int8.min) {
            bytes.append(0xd0)
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int16.min) {
            bytes.append(0xd1)
            appendBigEndian(UInt16(truncatingIfNeeded: value))
        } else if value >= Int64(Int32.min) {
            bytes.append(0xd2)
            appendBigEndian(UInt32(truncatingIfNeeded: value))
        } else {
            bytes.append(0xd3)
            appendBigEndian(UInt64(bitPattern: value))
        }
    }

    mutating func write(_ value: UInt64) {
        if value <= 0x7f {
            bytes.append(UInt8(truncatingIfNeeded: value))  // positive fixint
        } else if value <= UInt64(UInt8.max) {
            bytes.append(0xcc)
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt16.max) {
            bytes.append(0xcd)
            appendBigEndian(UInt16(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt32.max) {
            bytes.append(0xce)
            appendBigEndian(UInt32(truncatingIfNeeded: value))
        } else {
            bytes.append(0xcf)
            appendBigEndian(value)
        }
    }

    mutating func write(_ value: Double) {
        bytes.append(0xcb)
        appendBigEndian(value.bitPattern)
    }

    mutating func write(_ value: Float) {
        bytes.append(0xca)
        appendBigEndian(value.bitPattern)
    }

    mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            let count = utf8.count
            if count <= 31 {
                bytes.append(0xa0 | UInt8(truncatingIfNeeded: count))
            } else if count <= Int(UInt8.max) {
                bytes.append(0xd9)
                bytes.append(UInt8(truncatingIfNeeded: count))
            } else if count <= Int(UInt16.max) {
                bytes.append(0xda)
                appendBigEndian(UInt16(truncatingIfNeeded: count))
            } else {
                bytes.append(0xdb)
                appendBigEndian(UInt32(truncatingIfNeeded: count))
            }
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes a `bin` value. The caller guarantees that `count` fits in 32 bits.
    mutating func writeBinary(_ value: some Collection<UInt8>) {
        let count = value.count
        if count <= Int(UInt8.max) {
            bytes.append(0xc4)
            bytes.append(UInt8(truncatingIfNeeded: count))
        } else if count <= Int(UInt16.max) {
            bytes.append(0xc5)
            appendBigEndian(UInt16(truncatingIfNeeded: count))
        } else {
            bytes.append(0xc6)
            appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
        bytes.append(contentsOf: value)
    }

    // MARK: Container headers

    /// Writes the header of an array whose element count is known up front.
    mutating func writeArrayHeader(count: Int) {
        if count <= 15 {
            bytes.append(0x90 | UInt8(truncatingIfNeeded: count))
        } else if count <= Int(UInt16.max) {
            bytes.append(0xdc)
            appendBigEndian(UInt16(truncatingIfNeeded: count))
        } else {
            bytes.append(0xdd)
            appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
    }

    /// Reserves the one byte a container header needs when it holds at most 15 elements; returns its offset.
    mutating func reserveHeader() -> Int {
        bytes.append(0)
        return bytes.count - 1
    }

    /// Writes the header of the container whose reserved byte is at `offset`, now that its element count (pairs,
    /// for a map) is known. Containers of more than 15 elements need 3 or 5 header bytes: the content after the
    /// reserved byte moves up by 2 or 4 bytes.
    mutating func patchHeader(at offset: Int, count: Int, isMap: Bool) {
        if count <= 15 {
            bytes[offset] = (isMap ? 0x80 : 0x90) | UInt8(truncatingIfNeeded: count)
        } else if count <= Int(UInt16.max) {
            bytes[offset] = isMap ? 0xde : 0xdc
            bytes.insert(contentsOf: Self.bigEndianBytes(UInt16(truncatingIfNeeded: count)), at: offset + 1)
        } else {
            bytes[offset] = isMap ? 0xdf : 0xdd
            bytes.insert(contentsOf: Self.bigEndianBytes(UInt32(truncatingIfNeeded: count)), at: offset + 1)
        }
    }

    // MARK: Integers

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
