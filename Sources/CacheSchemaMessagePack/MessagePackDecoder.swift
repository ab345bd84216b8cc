import Foundation

/// Decodes a `Decodable` value from one MessagePack value, strictly: a value of another MessagePack type than the
/// Swift type asks for is a `DecodingError`, never a converted value, so that a field whose type changed reads as
/// a cache miss.
///
/// The input is validated once, iteratively, before decoding (well-formed, nesting within the limit, no trailing
/// bytes); keyed containers build a table of their keys' offsets once per map, in one array shared by the whole
/// decode.
struct MessagePackDecoder {
    var maxDepth: Int

    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        let context = MessagePackDecodingContext(copying: bytes, maxDepth: maxDepth)
        let end: Int
        do {
            (end, context.ends) = try context.reader.validate(maxDepth: maxDepth)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.description))
        }
        guard end == bytes.count else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "\(bytes.count - end) bytes follow the MessagePack value (the stored bytes are not one value)")
            )
        }
        return try context.decode(type, at: 0, path: [])
    }
}

/// The input (an owned copy, so that no pointer outlives its memory) and what a decode shares.
final class MessagePackDecodingContext {
    /// A key of a map: where its UTF-8 bytes are, and where its value starts.
    struct Entry {
        var keyOffset: Int
        var keyLength: Int
        var valueOffset: Int
    }

    let reader: MessagePackReader
    let maxDepth: Int
    // The mutable state below is accessed only by the one decode that owns the context, never overlapping: dynamic
    // exclusivity checks would cost a tenth of the decoding time.

    /// The key tables of every keyed container of this decode, each a range.
    @exclusivity(unchecked) var entries: [Entry] = []
    /// The entry found last: synthesized `init(from:)` reads keys in the order `encode(to:)` wrote them, so the
    /// next key is almost always the next entry.
    @exclusivity(unchecked) var lastFound = 0
    /// How many `init(from:)` calls are running.
    @exclusivity(unchecked) var depth = 0
    /// The ends of large containers, found by validation.
    @exclusivity(unchecked) var ends: [Int: Int] = [:]

    init(copying bytes: [UInt8], maxDepth: Int) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        memory.bindMemory(to: UInt8.self, capacity: max(bytes.count, 1))
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress { memory.copyMemory(from: address, byteCount: source.count) }
        }
        reader = MessagePackReader(base: UnsafeRawPointer(memory), count: bytes.count)
        self.maxDepth = maxDepth
    }

    deinit {
        UnsafeMutableRawPointer(mutating: reader.base).deallocate()
    }

    // MARK: Errors

    func corrupted(_ error: MessagePackFormatError, _ path: [any CodingKey]) -> DecodingError {
        .dataCorrupted(.init(codingPath: path, debugDescription: error.description))
    }

    /// `valueNotFound` for a nil where a value is required, `typeMismatch` for a value of another type.
    func mismatch(_ type: Any.Type, _ token: MessagePackToken, _ path: [any CodingKey]) -> DecodingError {
        if token.kind == .nil {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "expected \(type), found nil (the value was stored for a different type)"))
        }
        return .typeMismatch(
            type,
            .init(codingPath: path, debugDescription: "expected \(type), found \(token.name) (the value was stored for a different type)")
        )
    }

    @inline(__always)
    func token(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> MessagePackToken {
        do {
            return try reader.token(at: offset)
        } catch {
            throw corrupted(error, path())
        }
    }

    // MARK: Scalars

    func isNil(at offset: Int) -> Bool {
        offset < reader.count && reader.base.load(fromByteOffset: offset, as: UInt8.self) == 0xc0
    }

    func decodeBool(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        let token = try token(at: offset, path())
        guard token.kind == .bool else { throw mismatch(Bool.self, token, path()) }
        return token.value == 1
    }

    func decodeString(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> String {
        let token = try token(at: offset, path())
        guard token.kind == .string else { throw mismatch(String.self, token, path()) }
        let bytes = UnsafeBufferPointer(start: (reader.base + token.payload).assumingMemoryBound(to: UInt8.self), count: Int(token.value))
        guard let string = Self.string(validating: bytes) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "the string is not valid UTF-8 (the stored bytes are corrupt)"))
        }
        return string
    }

    /// The string of `bytes` if they are valid UTF-8. Decoding repairs invalid UTF-8 (with U+FFFD), which changes
    /// the bytes: a string whose bytes are the input's is valid. Faster than `String(validating:as:)`, which is
    /// generic over the encoding.
    static func string(validating bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var string = String(decoding: bytes, as: UTF8.self)
        let unchanged = string.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        return unchanged ? string : nil
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type, at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
        let token = try token(at: offset, path())
        let result: T?
        switch token.kind {
        case .unsigned: result = T(exactly: token.value)
        case .signed: result = T(exactly: Int64(bitPattern: token.value))
        default: throw mismatch(T.self, token, path())
        }
        guard let result else {
            let stored = token.kind == .signed ? "\(Int64(bitPattern: token.value))" : "\(token.value)"
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "the stored integer \(stored) does not fit in \(T.self) (the value was stored for a different type)"))
        }
        return result
    }

    /// A `Double`: a float64, a float32 (widening is exact), or an integer that a `Double` holds exactly.
    func decodeDouble(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Double {
        let token = try token(at: offset, path())
        let result: Double?
        switch token.kind {
        case .float64: result = Double(bitPattern: token.value)
        case .float32: result = Double(Float(bitPattern: UInt32(truncatingIfNeeded: token.value)))
        case .unsigned: result = Double(exactly: token.value)
        case .signed: result = Double(exactly: Int64(bitPattern: token.value))
        default: throw mismatch(Double.self, token, path())
        }
        guard let result else { throw inexact(Double.self, token, path()) }
        return result
    }

    /// A `Float`: a float32, or a float64 or integer that a `Float` holds exactly.
    func decodeFloat(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Float {
        let token = try token(at: offset, path())
        let result: Float?
        switch token.kind {
        case .float32: result = Float(bitPattern: UInt32(truncatingIfNeeded: token.value))
        case .float64:
            let double = Double(bitPattern: token.value)
            result = double.isNaN ? Float.nan : Float(exactly: double)
        case .unsigned: result = Float(exactly: token.value)
        case .signed: result = Float(exactly: Int64(bitPattern: token.value))
        default: throw mismatch(Float.self, token, path())
        }
        guard let result else { throw inexact(Float.self, token, path()) }
        return result
    }

    private func inexact(_ type: Any.Type, _ token: MessagePackToken, _ path: [any CodingKey]) -> DecodingError {
        .dataCorrupted(.init(codingPath: path, debugDescription: "the stored number (\(token.name)) is not exactly representable as \(type) (the value was stored for a different type)"))
    }

    func decodeData(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Data {
        let token = try token(at: offset, path())
        guard token.kind == .binary else { throw mismatch(Data.self, token, path()) }
        return Data(bytes: reader.base + token.payload, count: Int(token.value))
    }

    func decodeUUID(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> UUID {
        let token = try token(at: offset, path())
        guard token.kind == .extension, token.extensionType == MessagePackCacheCodec.uuidExtensionType, token.value == 16 else {
            throw mismatch(UUID.self, token, path())
        }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: UnsafeRawBufferPointer(start: reader.base + token.payload, count: 16)) }
        return UUID(uuid: uuid)
    }

    func decodeDate(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Date {
        let token = try token(at: offset, path())
        guard token.kind == .extension else { throw mismatch(Date.self, token, path()) }
        let payload = token.payload
        switch (token.extensionType, token.value) {
        case (MessagePackDate.timestampType, 4):
            let seconds = reader.bigEndian(at: payload, as: UInt32.self)
            return Date(timeIntervalSinceReferenceDate: MessagePackDate.interval(seconds: Int64(seconds), nanoseconds: 0))
        case (MessagePackDate.timestampType, 8):
            let packed = reader.bigEndian(at: payload, as: UInt64.self)
            return try timestamp(seconds: Int64(packed & 0x3_ffff_ffff), nanoseconds: UInt32(packed >> 34), path())
        case (MessagePackDate.timestampType, 12):
            let nanoseconds = reader.bigEndian(at: payload, as: UInt32.self)
            return try timestamp(seconds: reader.bigEndian(at: payload + 4, as: Int64.self), nanoseconds: nanoseconds, path())
        case (MessagePackDate.exactDateType, 8):
            return Date(timeIntervalSinceReferenceDate: Double(bitPattern: reader.bigEndian(at: payload, as: UInt64.self)))
        default:
            throw mismatch(Date.self, token, path())
        }
    }

    private func timestamp(seconds: Int64, nanoseconds: UInt32, _ path: [any CodingKey]) throws -> Date {
        guard nanoseconds < 1_000_000_000 else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "the timestamp has \(nanoseconds) nanoseconds, more than a second (the stored bytes are corrupt)"))
        }
        return Date(timeIntervalSinceReferenceDate: MessagePackDate.interval(seconds: seconds, nanoseconds: nanoseconds))
    }

    func decodeURL(at offset: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> URL {
        let string = try decodeString(at: offset, path())
        guard let url = URL(string: string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "the stored string is not a valid URL"))
        }
        return url
    }

    // MARK: Values

    /// Decodes any value: primitives, special types and arrays of `String`, `Int` or `Double` directly, anything
    /// else through its `init(from:)`.
    func decode<Value: Decodable>(_ type: Value.Type, at offset: Int, path: @autoclosure () -> [any CodingKey]) throws -> Value {
        // `Value.self == T.self` makes each bit cast an identity.
        if Value.self == String.self { return unsafeBitCast(try decodeString(at: offset, path()), to: Value.self) }
        if Value.self == Int.self { return unsafeBitCast(try decodeInteger(Int.self, at: offset, path()), to: Value.self) }
        if Value.self == Double.self { return unsafeBitCast(try decodeDouble(at: offset, path()), to: Value.self) }
        if Value.self == Bool.self { return unsafeBitCast(try decodeBool(at: offset, path()), to: Value.self) }
        if Value.self == Date.self { return unsafeBitCast(try decodeDate(at: offset, path()), to: Value.self) }
        if Value.self == UUID.self { return unsafeBitCast(try decodeUUID(at: offset, path()), to: Value.self) }
        if Value.self == Data.self { return unsafeBitCast(try decodeData(at: offset, path()), to: Value.self) }
        if Value.self == URL.self { return unsafeBitCast(try decodeURL(at: offset, path()), to: Value.self) }
        if Value.self == [String].self { return unsafeBitCast(try decodeArray(at: offset, path(), decodeString), to: Value.self) }
        if Value.self == [Int].self { return unsafeBitCast(try decodeArray(at: offset, path(), { try decodeInteger(Int.self, at: $0, $1()) }), to: Value.self) }
        if Value.self == [Double].self { return unsafeBitCast(try decodeArray(at: offset, path(), decodeDouble), to: Value.self) }
        if Value.self == Float.self { return unsafeBitCast(try decodeFloat(at: offset, path()), to: Value.self) }
        if Value.self == Int64.self { return unsafeBitCast(try decodeInteger(Int64.self, at: offset, path()), to: Value.self) }
        if Value.self == Int32.self { return unsafeBitCast(try decodeInteger(Int32.self, at: offset, path()), to: Value.self) }
        if Value.self == Int16.self { return unsafeBitCast(try decodeInteger(Int16.self, at: offset, path()), to: Value.self) }
        if Value.self == Int8.self { return unsafeBitCast(try decodeInteger(Int8.self, at: offset, path()), to: Value.self) }
        if Value.self == UInt.self { return unsafeBitCast(try decodeInteger(UInt.self, at: offset, path()), to: Value.self) }
        if Value.self == UInt64.self { return unsafeBitCast(try decodeInteger(UInt64.self, at: offset, path()), to: Value.self) }
        if Value.self == UInt32.self { return unsafeBitCast(try decodeInteger(UInt32.self, at: offset, path()), to: Value.self) }
        if Value.self == UInt16.self { return unsafeBitCast(try decodeInteger(UInt16.self, at: offset, path()), to: Value.self) }
        if Value.self == UInt8.self { return unsafeBitCast(try decodeInteger(UInt8.self, at: offset, path()), to: Value.self) }

        guard depth < maxDepth else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: path(), debugDescription: "the value nests deeper than \(maxDepth) levels (raise maxDepth of MessagePackCacheCodec if it is legitimate)")
            )
        }
        depth += 1
        defer { depth -= 1 }
        return try Value(from: MessagePackValueDecoder(context: self, offset: offset, codingPath: path()))
    }

    /// An array of scalars, without `Array.init(from:)`'s generic machinery. `element` reads one scalar.
    private func decodeArray<Element>(
        at offset: Int,
        _ path: @autoclosure () -> [any CodingKey],
        _ element: (Int, @autoclosure () -> [any CodingKey]) throws -> Element
    ) throws -> [Element] {
        let (count, start) = try array(at: offset, path())
        // Validation bounded the count by the input size.
        var result: [Element] = []
        result.reserveCapacity(count)
        var position = start
        try withoutActuallyEscaping(path) { path in
            for index in 0..<count {
                result.append(try element(position, path() + [MessagePackIndexKey(index)]))
                position = try token(at: position, path()).end
            }
        }
        return result
    }

    // MARK: Containers

    /// The elements of the array at `offset`: their count and where the first starts.
    func array(at offset: Int, _ path: [any CodingKey]) throws -> (count: Int, start: Int) {
        let token = try token(at: offset, path)
        guard token.kind == .array else { throw mismatch([Any].self, token, path) }
        return (Int(token.value), token.end)
    }

    /// Builds the key table of the map at `offset`; returns its range in ``entries``.
    func map(at offset: Int, _ path: [any CodingKey]) throws -> Range<Int> {
        let token = try token(at: offset, path)
        guard token.kind == .map else { throw mismatch([String: Any].self, token, path) }
        let start = entries.count
        let count = Int(token.value)
        entries.reserveCapacity(start + count)
        var position = token.end
        do {
            for _ in 0..<count {
                let key = try reader.token(at: position)
                guard key.kind == .string else {
                    throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "a map key is \(key.name), not a string (the value was not stored by this codec)"))
                }
                let valueEnd = try reader.skip(key.end, ends: ends)
                entries.append(Entry(keyOffset: key.payload, keyLength: Int(key.value), valueOffset: key.end))
                position = valueEnd
            }
        } catch let error as MessagePackFormatError {
            throw corrupted(error, path)
        }
        try checkUniqueKeys(start..<entries.count, path)
        return start..<entries.count
    }

    private func keyBytes(_ entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: reader.base + entry.keyOffset, count: entry.keyLength)
    }

    /// A map with a key twice is rejected: which of the two a reader should see is not defined.
    private func checkUniqueKeys(_ range: Range<Int>, _ path: [any CodingKey]) throws {
        if range.count <= 32 {
            for index in range where index > range.lowerBound {
                let entry = entries[index]
                for other in range.lowerBound..<index where entries[other].keyLength == entry.keyLength {
                    if memcmp(reader.base + entries[other].keyOffset, reader.base + entry.keyOffset, entry.keyLength) == 0 {
                        throw duplicate(entry, path)
                    }
                }
            }
        } else {
            var seen = Set<[UInt8]>(minimumCapacity: range.count)
            for index in range where !seen.insert(Array(keyBytes(entries[index]))).inserted {
                throw duplicate(entries[index], path)
            }
        }
    }

    private func duplicate(_ entry: Entry, _ path: [any CodingKey]) -> DecodingError {
        .dataCorrupted(.init(codingPath: path, debugDescription: "the map has the key '\(String(decoding: keyBytes(entry), as: UTF8.self))' twice (a type encoded it twice into one container)"))
    }

    /// Where the value of `key` starts in the map whose entries are `range`, if it has that key.
    func find(_ key: some CodingKey, in range: Range<Int>) -> Int? {
        var name = key.stringValue
        return name.withUTF8 { utf8 -> Int? in
            @inline(__always)
            func matches(_ index: Int) -> Bool {
                let entry = entries[index]
                return entry.keyLength == utf8.count
                    && (utf8.count == 0 || memcmp(reader.base + entry.keyOffset, utf8.baseAddress!, utf8.count) == 0)
            }
            let hint = lastFound
            if range.contains(hint), matches(hint) { return entries[hint].valueOffset }
            if range.contains(hint + 1), matches(hint + 1) {
                lastFound = hint + 1
                return entries[hint + 1].valueOffset
            }
            for index in range where matches(index) {
                lastFound = index
                return entries[index].valueOffset
            }
            return nil
        }
    }

    func keys<Key: CodingKey>(in range: Range<Int>, as type: Key.Type) -> [Key] {
        range.compactMap { index in
            Self.string(validating: keyBytes(entries[index]).assumingMemoryBound(to: UInt8.self)).flatMap { Key(stringValue: $0) }
        }
    }
}

/// The `Decoder` handed to `init(from:)`: the value at one offset.
struct MessagePackValueDecoder: Decoder {
    let context: MessagePackDecodingContext
    let offset: Int
    let codingPath: [any CodingKey]

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let range = try context.map(at: offset, codingPath)
        return KeyedDecodingContainer(MessagePackKeyedDecodingContainer<Key>(context: context, entries: range, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (count, start) = try context.array(at: offset, codingPath)
        return MessagePackUnkeyedDecodingContainer(context: context, codingPath: codingPath, elementCount: count, position: start)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        MessagePackSingleValueDecodingContainer(context: context, offset: offset, codingPath: codingPath)
    }
}

struct MessagePackKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let context: MessagePackDecodingContext
    let entries: Range<Int>
    let codingPath: [any CodingKey]

    var allKeys: [Key] { context.keys(in: entries, as: Key.self) }

    func contains(_ key: Key) -> Bool {
        context.find(key, in: entries) != nil
    }

    @inline(__always)
    private func offset(of key: Key) throws -> Int {
        guard let offset = context.find(key, in: entries) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for key '\(key.stringValue)' (the value was stored for a different type)"))
        }
        return offset
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        context.isNil(at: try offset(of: key))
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try context.decodeBool(at: offset(of: key), codingPath + [key])
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try context.decodeString(at: offset(of: key), codingPath + [key])
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try context.decodeDouble(at: offset(of: key), codingPath + [key])
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try context.decodeFloat(at: offset(of: key), codingPath + [key])
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try context.decodeInteger(T.self, at: offset(of: key), codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try context.decode(T.self, at: offset(of: key), path: codingPath + [key])
    }

    /// One lookup for "absent, nil, or a value".
    private func presentValue<T>(_ key: Key, _ decode: (Int) throws -> T) throws -> T? {
        guard let offset = context.find(key, in: entries), !context.isNil(at: offset) else { return nil }
        return try decode(offset)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try presentValue(key) { try context.decodeBool(at: $0, codingPath + [key]) }
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try presentValue(key) { try context.decodeString(at: $0, codingPath + [key]) }
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try presentValue(key) { try context.decodeDouble(at: $0, codingPath + [key]) }
    }

    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try presentValue(key) { try context.decodeFloat(at: $0, codingPath + [key]) }
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try integerIfPresent(key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try integerIfPresent(key) }

    private func integerIfPresent<T: FixedWidthInteger>(_ key: Key) throws -> T? {
        try presentValue(key) { try context.decodeInteger(T.self, at: $0, codingPath + [key]) }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try presentValue(key) { try context.decode(T.self, at: $0, path: codingPath + [key]) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let path = codingPath + [key]
        let range = try context.map(at: offset(of: key), path)
        return KeyedDecodingContainer(MessagePackKeyedDecodingContainer<NestedKey>(context: context, entries: range, codingPath: path))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let path = codingPath + [key]
        let (count, start) = try context.array(at: offset(of: key), path)
        return MessagePackUnkeyedDecodingContainer(context: context, codingPath: path, elementCount: count, position: start)
    }

    func superDecoder() throws -> any Decoder {
        try superDecoder(key: MessagePackSuperKey())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try superDecoder(key: key)
    }

    private func superDecoder(key: some CodingKey) throws -> any Decoder {
        guard let offset = context.find(key, in: entries) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for key '\(key.stringValue)' (the value was stored for a different type)"))
        }
        return MessagePackValueDecoder(context: context, offset: offset, codingPath: codingPath + [key])
    }
}

struct MessagePackUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let context: MessagePackDecodingContext
    let codingPath: [any CodingKey]
    let elementCount: Int
    /// Where the next element starts.
    var position: Int
    private(set) var currentIndex = 0

    init(context: MessagePackDecodingContext, codingPath: [any CodingKey], elementCount: Int, position: Int) {
        self.context = context
        self.codingPath = codingPath
        self.elementCount = elementCount
        self.position = position
    }

    var count: Int? { elementCount }
    var isAtEnd: Bool { currentIndex >= elementCount }

    private var elementPath: [any CodingKey] { codingPath + [MessagePackIndexKey(currentIndex)] }

    /// Decodes the next element with `decode`, moving past it only when that succeeds.
    private mutating func next<T>(_ type: T.Type, _ decode: (Int) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: elementPath, debugDescription: "the array has no more elements (the value was stored for a different type)"))
        }
        let end: Int
        do {
            end = try context.reader.skip(position, ends: context.ends)
        } catch {
            throw context.corrupted(error, elementPath)
        }
        let value = try decode(position)
        position = end
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Never?.self, .init(codingPath: elementPath, debugDescription: "the array has no more elements (the value was stored for a different type)"))
        }
        guard context.isNil(at: position) else { return false }
        position += 1
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        let context = self.context
        let index = currentIndex
        let path = codingPath
        return try next(type) { try context.decodeBool(at: $0, path + [MessagePackIndexKey(index)]) }
    }

    mutating func decode(_ type: String.Type) throws -> String {
        let context = self.context
        let index = currentIndex
        let path = codingPath
        return try next(type) { try context.decodeString(at: $0, path + [MessagePackIndexKey(index)]) }
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        let context = self.context
        let index = currentIndex
        let path = codingPath
        return try next(type) { try context.decodeDouble(at: $0, path + [MessagePackIndexKey(index)]) }
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        let context = self.context
        let index = currentIndex
        let path = codingPath
        return try next(type) { try context.decodeFloat(at: $0, path + [MessagePackIndexKey(index)]) }
    }

    mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private mutating func integer<T: FixedWidthInteger>() throws -> T {
        let context = self.context
        let index = currentIndex
        let path = codingPath
        return try next(T.self) { try context.decodeInteger(T.self, at: $0, path + [MessagePackIndexKey(index)]) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let context = self.context
        let index = currentIndex
        let path = codingPath
        return try next(T.self) { try context.decode(T.self, at: $0, path: path + [MessagePackIndexKey(index)]) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let context = self.context
        let path = elementPath
        let range = try next(Range<Int>.self) { try context.map(at: $0, path) }
        return KeyedDecodingContainer(MessagePackKeyedDecodingContainer<NestedKey>(context: context, entries: range, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let context = self.context
        let path = elementPath
        let (count, start) = try next((Int, Int).self) { try context.array(at: $0, path) }
        return MessagePackUnkeyedDecodingContainer(context: context, codingPath: path, elementCount: count, position: start)
    }

    mutating func superDecoder() throws -> any Decoder {
        let context = self.context
        let path = elementPath
        let offset = try next(Int.self) { $0 }
        return MessagePackValueDecoder(context: context, offset: offset, codingPath: path)
    }
}

struct MessagePackSingleValueDecodingContainer: SingleValueDecodingContainer {
    let context: MessagePackDecodingContext
    let offset: Int
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { context.isNil(at: offset) }

    func decode(_ type: Bool.Type) throws -> Bool { try context.decodeBool(at: offset, codingPath) }
    func decode(_ type: String.Type) throws -> String { try context.decodeString(at: offset, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try context.decodeDouble(at: offset, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try context.decodeFloat(at: offset, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try context.decodeInteger(type, at: offset, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try context.decodeInteger(type, at: offset, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try context.decode(T.self, at: offset, path: codingPath)
    }
}
