import Foundation

/// Encodes an `Encodable` value as one MessagePack value, streaming into a single ``MessagePackWriter``.
///
/// Keyed containers become maps with string keys (in the order `encode(to:)` encodes them), unkeyed containers
/// arrays, single values their natural MessagePack type. `Date`, `Data`, `UUID` and `URL` are special-cased (see
/// ``MessagePackCacheCodec``).
///
/// Every value whose `encode(to:)` runs gets a *level* on a stack: its container header is reserved when the
/// container is requested and written once `encode(to:)` returns and the element count is known. Containers that
/// may be written to out of order — `nestedContainer`, `nestedUnkeyedContainer`, `superEncoder` — write into a
/// context of their own, spliced into place when the level that created them finishes.
struct MessagePackEncoder {
    var maxDepth: Int

    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let context = MessagePackEncodingContext(maxDepth: maxDepth, basePath: [], baseDepth: 0)
        try context.encode(value, key: nil)
        if let misuse = context.misuse { throw misuse }
        return context.writer.bytes
    }
}

/// The output and the stack of values being encoded.
final class MessagePackEncodingContext {
    enum Kind {
        case none, single, map, array
    }

    struct Level {
        var key: (any CodingKey)?
        let id: Int
        var kind: Kind = .none
        var headerOffset: Int
        var count = 0
        /// Values written in their own context, to be inserted at `offset` when this level finishes.
        var deferred: [(offset: Int, context: MessagePackEncodingContext)] = []
    }

    // Accessed only by the one encode that owns the context, never overlapping: dynamic exclusivity checks would
    // cost a tenth of the encoding time.
    @exclusivity(unchecked) var writer = MessagePackWriter()
    @exclusivity(unchecked) var levels: [Level] = []
    @exclusivity(unchecked) var nextID = 0
    /// The first misuse of the `Encoder` API (a container used after its value finished, two kinds of container
    /// for one value); thrown when the value finishes.
    var misuse: EncodingError?
    let maxDepth: Int
    let basePath: [any CodingKey]
    let baseDepth: Int

    init(maxDepth: Int, basePath: [any CodingKey], baseDepth: Int) {
        self.maxDepth = maxDepth
        self.basePath = basePath
        self.baseDepth = baseDepth
    }

    /// A context for a nested container or super encoder: its root level is the container.
    static func deferred(from parent: MessagePackEncodingContext, path: [any CodingKey], kind: Kind) -> MessagePackEncodingContext {
        let context = MessagePackEncodingContext(maxDepth: parent.maxDepth, basePath: path, baseDepth: parent.baseDepth + parent.levels.count)
        context.nextID = 1
        var level = Level(key: nil, id: 1, headerOffset: 0)
        if kind == .map || kind == .array { level.headerOffset = context.writer.reserveHeader() }
        level.kind = kind
        context.levels.append(level)
        return context
    }

    // MARK: Coding paths

    func codingPath(through level: Int) -> [any CodingKey] {
        var path = basePath
        let last = min(level, levels.count - 1)
        if last >= 0 {
            for index in 0...last {
                if let key = levels[index].key { path.append(key) }
            }
        }
        return path
    }

    func recordMisuse(_ description: String, level: Int) {
        guard misuse == nil else { return }
        misuse = EncodingError.invalidValue(
            "",
            .init(codingPath: codingPath(through: level), debugDescription: description + " (a Codable conformance misuses its Encoder; fix its encode(to:))")
        )
    }

    /// Whether the container of `level`/`id` may be written to now: its value is still being encoded and no value
    /// nested in it is.
    func isCurrent(level: Int, id: Int) -> Bool {
        levels.count == level + 1 && levels[level].id == id
    }

    func checkCurrent(level: Int, id: Int) throws {
        guard isCurrent(level: level, id: id) else {
            let error = EncodingError.invalidValue(
                "",
                .init(
                    codingPath: codingPath(through: min(level, levels.count - 1)),
                    debugDescription: "a container was written to after its value finished, or while a value nested in it was being encoded (fix the type's encode(to:))"
                )
            )
            if misuse == nil { misuse = error }
            throw error
        }
    }

    // MARK: Values

    /// Encodes one value: special types and primitives directly, anything else through its `encode(to:)` on a new
    /// level.
    func encode<Value: Encodable>(_ value: Value, key: (any CodingKey)?) throws {
        if try encodeDirectly(value, key: key) { return }
        guard baseDepth + levels.count < maxDepth else {
            var path = codingPath(through: levels.count - 1)
            if let key { path.append(key) }
            throw EncodingError.invalidValue(
                value,
                .init(codingPath: path, debugDescription: "the value nests deeper than \(maxDepth) levels; if it is cyclic, break the cycle, otherwise raise maxDepth of MessagePackCacheCodec")
            )
        }
        nextID += 1
        let id = nextID
        let index = levels.count
        levels.append(Level(key: key, id: id, headerOffset: writer.bytes.count))
        try value.encode(to: MessagePackValueEncoder(context: self, level: index, id: id))
        try finish(level: index, id: id)
    }

    /// Encodes one element of the container of `level`, which has counted it and written its key from `mark` on.
    /// When the element throws, it is taken back, so that a conformance that catches the error (`try?`) and goes
    /// on still produces well-formed output.
    func encodeElement<Value: Encodable>(_ value: Value, key: (any CodingKey)?, level: Int, mark: Int) throws {
        do {
            try encode(value, key: key)
        } catch {
            if levels.count > level {
                levels.removeSubrange((level + 1)...)
                levels[level].count -= 1
            }
            if mark <= writer.bytes.count { writer.bytes.removeSubrange(mark...) }
            throw error
        }
    }

    /// Pops a level: splices its deferred values in and writes its container header.
    func finish(level index: Int, id: Int) throws {
        guard isCurrent(level: index, id: id) else {
            recordMisuse("a value nested in this one was still being encoded when it finished", level: levels.count - 1)
            throw misuse!
        }
        let level = levels.removeLast()
        for (offset, child) in level.deferred.reversed() {
            try child.finish(level: 0, id: 1)
            if let misuse = child.misuse { throw misuse }
            writer.bytes.insert(contentsOf: child.writer.bytes, at: offset)
        }
        switch level.kind {
        case .none:
            writer.bytes.append(0x80)  // encoded nothing: an empty map, like JSONEncoder's {}
        case .single:
            if level.count == 0 { writer.bytes.append(0x80) }
        case .map, .array:
            guard level.count <= Int(UInt32.max) else {
                levels.append(level)
                throw EncodingError.invalidValue(
                    "",
                    .init(codingPath: codingPath(through: index), debugDescription: "a container of \(level.count) elements exceeds MessagePack's limit of 2^32 - 1; split the value")
                )
            }
            writer.patchHeader(at: level.headerOffset, count: level.count, isMap: level.kind == .map)
        }
        if let misuse { throw misuse }
    }

    /// Writes `value` without a level when it is a primitive, a special type, or an array of `String`, `Int` or
    /// `Double` (which `Array.encode(to:)` would write the same way, only slower); returns whether it did.
    @inline(__always)
    func encodeDirectly<Value: Encodable>(_ value: Value, key: (any CodingKey)?) throws -> Bool {
        // `Value.self == T.self` makes each bit cast an identity.
        if Value.self == String.self {
            writer.write(unsafeBitCast(value, to: String.self))
        } else if Value.self == Int.self {
            writer.write(Int64(unsafeBitCast(value, to: Int.self)))
        } else if Value.self == Double.self {
            writer.write(unsafeBitCast(value, to: Double.self))
        } else if Value.self == Bool.self {
            writer.write(unsafeBitCast(value, to: Bool.self))
        } else if Value.self == Date.self {
            MessagePackDate.write(unsafeBitCast(value, to: Date.self), to: &writer)
        } else if Value.self == UUID.self {
            writeUUID(unsafeBitCast(value, to: UUID.self))
        } else if Value.self == Data.self {
            let data = unsafeBitCast(value, to: Data.self)
            guard data.count <= Int(UInt32.max) else {
                var path = codingPath(through: levels.count - 1)
                if let key { path.append(key) }
                throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(data.count) bytes exceed MessagePack's bin limit of 2^32 - 1; store less"))
            }
            writer.writeBinary(data)
        } else if Value.self == URL.self {
            writer.write(unsafeBitCast(value, to: URL.self).absoluteString)
        } else if Value.self == [String].self {
            let array = unsafeBitCast(value, to: [String].self)
            writer.writeArrayHeader(count: array.count)
            for element in array { writer.write(element) }
        } else if Value.self == [Int].self {
            let array = unsafeBitCast(value, to: [Int].self)
            writer.writeArrayHeader(count: array.count)
            for element in array { writer.write(Int64(element)) }
        } else if Value.self == [Double].self {
            let array = unsafeBitCast(value, to: [Double].self)
            writer.writeArrayHeader(count: array.count)
            for element in array { writer.write(element) }
        } else if Value.self == Float.self {
            writer.write(unsafeBitCast(value, to: Float.self))
        } else if Value.self == Int64.self {
            writer.write(unsafeBitCast(value, to: Int64.self))
        } else if Value.self == Int32.self {
            writer.write(Int64(unsafeBitCast(value, to: Int32.self)))
        } else if Value.self == Int16.self {
            writer.write(Int64(unsafeBitCast(value, to: Int16.self)))
        } else if Value.self == Int8.self {
            writer.write(Int64(unsafeBitCast(value, to: Int8.self)))
        } else if Value.self == UInt.self {
            writer.write(UInt64(unsafeBitCast(value, to: UInt.self)))
        } else if Value.self == UInt64.self {
            writer.write(unsafeBitCast(value, to: UInt64.self))
        } else if Value.self == UInt32.self {
            writer.write(UInt64(unsafeBitCast(value, to: UInt32.self)))
        } else if Value.self == UInt16.self {
            writer.write(UInt64(unsafeBitCast(value, to: UInt16.self)))
        } else if Value.self == UInt8.self {
            writer.write(UInt64(unsafeBitCast(value, to: UInt8.self)))
        } else {
            return false
        }
        return true
    }

    /// A UUID is extension type 1 with its 16 bytes (`fixext 16`).
    func writeUUID(_ uuid: UUID) {
        writer.bytes.append(0xd8)
        writer.bytes.append(UInt8(bitPattern: MessagePackCacheCodec.uuidExtensionType))
        withUnsafeBytes(of: uuid.uuid) { writer.bytes.append(contentsOf: $0) }
    }

    // MARK: Container support

    /// Counts one more element of the current container `level`/`id`; a map's caller writes the key next.
    @inline(__always)
    func beginElement(level: Int, id: Int) throws {
        try checkCurrent(level: level, id: id)
        levels[level].count += 1
    }

    /// Starts a container whose content is written later: counts it, writes its key, and records where it goes.
    func deferredElement(level: Int, id: Int, key: (any CodingKey)?, pathKey: any CodingKey, kind: Kind) -> MessagePackEncodingContext {
        let path = codingPath(through: level) + [pathKey]
        let child = MessagePackEncodingContext.deferred(from: self, path: path, kind: kind)
        guard isCurrent(level: level, id: id) else {
            recordMisuse("a nested container or super encoder was requested from a container whose value finished", level: levels.count - 1)
            return child
        }
        levels[level].count += 1
        if let key { writer.write(key.stringValue) }
        levels[level].deferred.append((writer.bytes.count, child))
        return child
    }

    /// Makes the container of `level`/`id` a map, an array or a single value; records a misuse of the Encoder API.
    func requestContainer(level: Int, id: Int, kind: Kind) {
        guard isCurrent(level: level, id: id) else {
            recordMisuse("a container was requested from an Encoder whose value finished", level: levels.count - 1)
            return
        }
        switch levels[level].kind {
        case .none:
            levels[level].kind = kind
            if kind != .single { levels[level].headerOffset = writer.reserveHeader() }
        case kind:
            break
        default:
            recordMisuse("one value asked its Encoder for two different kinds of container", level: level)
        }
    }
}

/// The `Encoder` handed to `encode(to:)`: a view of one level of the context.
struct MessagePackValueEncoder: Encoder {
    let context: MessagePackEncodingContext
    let level: Int
    let id: Int

    var codingPath: [any CodingKey] { context.codingPath(through: level) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        context.requestContainer(level: level, id: id, kind: .map)
        return KeyedEncodingContainer(MessagePackKeyedEncodingContainer<Key>(context: context, level: level, id: id))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        context.requestContainer(level: level, id: id, kind: .array)
        return MessagePackUnkeyedEncodingContainer(context: context, level: level, id: id)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        context.requestContainer(level: level, id: id, kind: .single)
        return MessagePackSingleValueEncodingContainer(context: context, level: level, id: id)
    }
}

/// The key of an element of an unkeyed container, in coding paths.
struct MessagePackIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// The key `super` of `superEncoder()` and `superDecoder()`.
struct MessagePackSuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }

    init() {}
    init?(stringValue: String) { guard stringValue == "super" else { return nil } }
    init?(intValue: Int) { return nil }
}

struct MessagePackKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let context: MessagePackEncodingContext
    let level: Int
    let id: Int

    var codingPath: [any CodingKey] { context.codingPath(through: level) }

    mutating func encodeNil(forKey key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.writeNil()
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.write(value)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.write(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.write(value)
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.write(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeSigned(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeUnsigned(value, key) }

    private func encodeSigned(_ value: Int64, _ key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.write(value)
    }

    private func encodeUnsigned(_ value: UInt64, _ key: Key) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(key.stringValue)
        context.writer.write(value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try context.beginElement(level: level, id: id)
        let mark = context.writer.bytes.count
        context.writer.write(key.stringValue)
        try context.encodeElement(value, key: key, level: level, mark: mark)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = context.deferredElement(level: level, id: id, key: key, pathKey: key, kind: .map)
        return KeyedEncodingContainer(MessagePackKeyedEncodingContainer<NestedKey>(context: child, level: 0, id: 1))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = context.deferredElement(level: level, id: id, key: key, pathKey: key, kind: .array)
        return MessagePackUnkeyedEncodingContainer(context: child, level: 0, id: 1)
    }

    mutating func superEncoder() -> any Encoder {
        let key = MessagePackSuperKey()
        let child = context.deferredElement(level: level, id: id, key: key, pathKey: key, kind: .none)
        return MessagePackValueEncoder(context: child, level: 0, id: 1)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = context.deferredElement(level: level, id: id, key: key, pathKey: key, kind: .none)
        return MessagePackValueEncoder(context: child, level: 0, id: 1)
    }
}

struct MessagePackUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let context: MessagePackEncodingContext
    let level: Int
    let id: Int

    var codingPath: [any CodingKey] { context.codingPath(through: level) }
    var count: Int { level < context.levels.count ? context.levels[level].count : 0 }

    mutating func encodeNil() throws {
        try context.beginElement(level: level, id: id)
        context.writer.writeNil()
    }

    mutating func encode(_ value: Bool) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(value)
    }

    mutating func encode(_ value: String) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(value)
    }

    mutating func encode(_ value: Double) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(value)
    }

    mutating func encode(_ value: Float) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(value)
    }

    mutating func encode(_ value: Int) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try encodeSigned(value) }
    mutating func encode(_ value: UInt) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try encodeUnsigned(value) }

    private func encodeSigned(_ value: Int64) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(value)
    }

    private func encodeUnsigned(_ value: UInt64) throws {
        try context.beginElement(level: level, id: id)
        context.writer.write(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try context.beginElement(level: level, id: id)
        try context.encodeElement(value, key: MessagePackIndexKey(context.levels[level].count - 1), level: level, mark: context.writer.bytes.count)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = context.deferredElement(level: level, id: id, key: nil, pathKey: MessagePackIndexKey(count), kind: .map)
        return KeyedEncodingContainer(MessagePackKeyedEncodingContainer<NestedKey>(context: child, level: 0, id: 1))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = context.deferredElement(level: level, id: id, key: nil, pathKey: MessagePackIndexKey(count), kind: .array)
        return MessagePackUnkeyedEncodingContainer(context: child, level: 0, id: 1)
    }

    mutating func superEncoder() -> any Encoder {
        let child = context.deferredElement(level: level, id: id, key: nil, pathKey: MessagePackIndexKey(count), kind: .none)
        return MessagePackValueEncoder(context: child, level: 0, id: 1)
    }
}

struct MessagePackSingleValueEncodingContainer: SingleValueEncodingContainer {
    let context: MessagePackEncodingContext
    let level: Int
    let id: Int

    var codingPath: [any CodingKey] { context.codingPath(through: level) }

    /// Counts the one value; a second one is a misuse.
    private func begin() throws {
        try context.checkCurrent(level: level, id: id)
        guard context.levels[level].count == 0 else {
            context.recordMisuse("a single value container was asked to encode two values", level: level)
            throw context.misuse!
        }
        context.levels[level].count = 1
    }

    mutating func encodeNil() throws {
        try begin()
        context.writer.writeNil()
    }

    mutating func encode(_ value: Bool) throws {
        try begin()
        context.writer.write(value)
    }

    mutating func encode(_ value: String) throws {
        try begin()
        context.writer.write(value)
    }

    mutating func encode(_ value: Double) throws {
        try begin()
        context.writer.write(value)
    }

    mutating func encode(_ value: Float) throws {
        try begin()
        context.writer.write(value)
    }

    mutating func encode(_ value: Int) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try encodeSigned(value) }
    mutating func encode(_ value: UInt) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try encodeUnsigned(value) }

    private func encodeSigned(_ value: Int64) throws {
        try begin()
        context.writer.write(value)
    }

    private func encodeUnsigned(_ value: UInt64) throws {
        try begin()
        context.writer.write(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try context.encodeElement(value, key: nil, level: level, mark: context.writer.bytes.count)
    }
}
