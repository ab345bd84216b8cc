import CacheSchemaCore
import Foundation
import Testing

@testable import CacheSchemaMessagePack

/// A typical cached value (~300 bytes as JSON).
struct MessagePackUserDTO: Codable, Equatable {
    var id: UUID
    var name: String
    var email: String
    var age: Int
    var score: Double
    var createdAt: Date
    var tags: [String]
    var active: Bool
    var nickname: String?

    static let sample = MessagePackUserDTO(
        id: UUID(uuidString: "6F1D4C58-2A43-4B8E-9C57-0D1E2F3A4B5C")!,
        name: "Ada Lovelace-Byron",
        email: "ada.lovelace@analytical-engine.example.org",
        age: 36,
        score: 98.625,
        createdAt: Date(timeIntervalSince1970: 1_733_000_000.123_456),
        tags: ["mathematics", "poetry", "engines", "notes", "bernoulli", "first-programmer"],
        active: true,
        nickname: "The Enchantress of Numbers"
    )
}

/// Round trips, exact bytes against the MessagePack specification, and type changes that must fail.
@Suite struct MessagePackCodecTests {
    let codec = MessagePackCacheCodec()

    struct Stored<T: Codable>: Codable { var field: T }

    func roundTrip<T: Codable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let decoded = try codec.decode(T.self, from: codec.encode(value))
        #expect(decoded == value, sourceLocation: sourceLocation)
    }

    func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        try codec.encode(value)
    }

    // MARK: Exact bytes

    @Test func scalarsMatchTheSpecification() throws {
        #expect(try bytes(0) == [0x00])
        #expect(try bytes(127) == [0x7f])
        #expect(try bytes(-1) == [0xff])
        #expect(try bytes(-32) == [0xe0])
        #expect(try bytes(-33) == [0xd0, 0xdf])
        #expect(try bytes(128) == [0xcc, 0x80])
        #expect(try bytes(256) == [0xcd, 0x01, 0x00])
        #expect(try bytes(65_536) == [0xce, 0x00, 0x01, 0x00, 0x00])
        #expect(try bytes(Int64(1) << 32) == [0xcf, 0, 0, 0, 1, 0, 0, 0, 0])
        #expect(try bytes(-129) == [0xd1, 0xff, 0x7f])
        #expect(try bytes(Int32.min) == [0xd2, 0x80, 0, 0, 0])
        #expect(try bytes(Int64.min) == [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(try bytes(UInt64.max) == [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        #expect(try bytes(UInt8(200)) == [0xcc, 0xc8])
        #expect(try bytes(true) == [0xc3])
        #expect(try bytes(false) == [0xc2])
        #expect(try bytes(Int?.none) == [0xc0])
        #expect(try bytes(1.5) == [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])
        #expect(try bytes(Float(1.5)) == [0xca, 0x3f, 0xc0, 0, 0])
        #expect(try bytes("a") == [0xa1, 0x61])
        #expect(try bytes("") == [0xa0])
        #expect(try bytes(String(repeating: "x", count: 31)).prefix(1) == [0xbf])
        #expect(try bytes(String(repeating: "x", count: 32)).prefix(2) == [0xd9, 32])
        #expect(try bytes(String(repeating: "x", count: 256)).prefix(3) == [0xda, 0x01, 0x00])
        #expect(try bytes(String(repeating: "x", count: 65_536)).prefix(5) == [0xdb, 0x00, 0x01, 0x00, 0x00])
        #expect(try bytes(Data([1, 2])) == [0xc4, 0x02, 0x01, 0x02])
        #expect(try bytes(Data(count: 256)).prefix(3) == [0xc5, 0x01, 0x00])
        #expect(try bytes(Data(count: 65_536)).prefix(5) == [0xc6, 0x00, 0x01, 0x00, 0x00])
        #expect(try bytes(URL(string: "https://example.com/a?b=c")!) == [0xb9] + Array("https://example.com/a?b=c".utf8))
    }

    @Test func containersMatchTheSpecification() throws {
        #expect(try bytes([1, 2]) == [0x92, 0x01, 0x02])
        #expect(try bytes([Int]()) == [0x90])
        #expect(try bytes(["a": 1]) == [0x81, 0xa1, 0x61, 0x01])
        #expect(try bytes([Int?.none, 1]) == [0x92, 0xc0, 0x01])
        #expect(try bytes(Array(repeating: 0, count: 15)) == [0x9f] + Array(repeating: 0, count: 15))
        #expect(try bytes(Array(repeating: 0, count: 16)) == [0xdc, 0x00, 0x10] + Array(repeating: 0, count: 16))
        #expect(try bytes(Array(repeating: 0, count: 65_536)).prefix(5) == [0xdd, 0x00, 0x01, 0x00, 0x00])
        let sixteenKeys = Dictionary(uniqueKeysWithValues: (0..<16).map { ("k\($0)", $0) })
        #expect(try bytes(sixteenKeys).prefix(3) == [0xde, 0x00, 0x10])
        let manyKeys = Dictionary(uniqueKeysWithValues: (0..<65_536).map { ("k\($0)", $0) })
        #expect(try bytes(manyKeys).prefix(5) == [0xdf, 0x00, 0x01, 0x00, 0x00])
        // Keys in the order encode(to:) encodes them.
        struct Pair: Codable { var b = 1, a = 2 }
        #expect(try bytes(Pair()) == [0x82, 0xa1, 0x62, 0x01, 0xa1, 0x61, 0x02])
        // Nested headers of more than 15 elements are patched in place.
        #expect(try bytes([Array(repeating: 1, count: 16)]) == [0x91, 0xdc, 0x00, 0x10] + Array(repeating: 1, count: 16))
    }

    @Test func specialTypesMatchTheSpecification() throws {
        // timestamp 32: seconds only.
        #expect(try bytes(Date(timeIntervalSince1970: 1)) == [0xd6, 0xff, 0, 0, 0, 1])
        // timestamp 64: nanoseconds << 34 | seconds.
        let halfSecond = try bytes(Date(timeIntervalSince1970: 1.5))
        #expect(halfSecond == [0xd7, 0xff] + withUnsafeBytes(of: (UInt64(500_000_000) << 34 | 1).bigEndian, Array.init))
        // timestamp 96: before 1970.
        let before1970 = try bytes(Date(timeIntervalSince1970: -1))
        #expect(before1970 == [0xc7, 12, 0xff, 0, 0, 0, 0] + withUnsafeBytes(of: Int64(-1).bigEndian, Array.init))
        let uuid = UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF")!
        #expect(try bytes(uuid) == [0xd8, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
    }

    @Test func encodingIsDeterministic() throws {
        #expect(try bytes(MessagePackUserDTO.sample) == bytes(MessagePackUserDTO.sample))
    }

    // MARK: Round trips

    @Test func roundTripsTheDTO() throws {
        try roundTrip(MessagePackUserDTO.sample)
        var withoutNickname = MessagePackUserDTO.sample
        withoutNickname.nickname = nil
        try roundTrip(withoutNickname)
        let encoded = try bytes(MessagePackUserDTO.sample)
        let json = try JSONCacheCodec().encode(MessagePackUserDTO.sample)
        #expect(encoded.count < json.count)
    }

    @Test func roundTripsIntegersAtTheirLimits() throws {
        struct Integers: Codable, Equatable {
            var values: [Int]
            var i8: [Int8], i16: [Int16], i32: [Int32], i64: [Int64]
            var u: [UInt], u8: [UInt8], u16: [UInt16], u32: [UInt32], u64: [UInt64]
        }
        try roundTrip(
            Integers(
                values: [0, 1, -1, 31, 32, -32, -33, 127, 128, 255, 256, -128, -129, 65_535, 65_536, -32_768, -32_769, .max, .min],
                i8: [.min, -1, 0, .max], i16: [.min, 0, .max], i32: [.min, 0, .max], i64: [.min, 0, .max],
                u: [0, .max], u8: [0, 127, 128, .max], u16: [0, .max], u32: [0, .max], u64: [0, 1 << 63, .max]
            )
        )
        try roundTrip(Int64.min)
        try roundTrip(UInt64.max)
        try roundTrip(Int8(-100))
    }

    @Test func roundTripsFloatingPoint() throws {
        for value in [0.0, -0.0, 1.5, -2.25, .pi, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-300] {
            let decoded = try codec.decode(Double.self, from: bytes(value))
            #expect(decoded.bitPattern == value.bitPattern)
        }
        for value: Float in [0, -0.0, 1.5, .pi, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude] {
            let decoded = try codec.decode(Float.self, from: bytes(value))
            #expect(decoded.bitPattern == value.bitPattern)
        }
        #expect(try codec.decode(Double.self, from: bytes(Double.nan)).isNaN)
        #expect(try codec.decode(Float.self, from: bytes(Float.nan)).isNaN)
        // Exact widenings and representable integers are accepted.
        #expect(try codec.decode(Double.self, from: bytes(Float(0.1))) == Double(Float(0.1)))
        #expect(try codec.decode(Double.self, from: bytes(42)) == 42)
        #expect(try codec.decode(Float.self, from: bytes(0.5)) == 0.5)
        #expect(try codec.decode(Float.self, from: bytes(1 << 24)) == 16_777_216)
    }

    @Test func roundTripsStringsAndData() throws {
        for count in [0, 1, 31, 32, 255, 256, 65_535, 65_536] {
            try roundTrip(String(repeating: "é", count: count / 2) + String(repeating: "x", count: count % 2))
            try roundTrip(Data((0..<count).map { UInt8(truncatingIfNeeded: $0) }))
        }
        try roundTrip("ünïcødé 🎉 \u{0} nul")
        try roundTrip([UInt8](0...255))
        try roundTrip([Data(), Data([0xc1])])
    }

    @Test func roundTripsDatesExactly() throws {
        let dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_733_000_000.123_456_7), Date(timeIntervalSince1970: 4_294_967_295),
            Date(timeIntervalSince1970: 4_294_967_296.5), Date(timeIntervalSince1970: -1.25), Date(timeIntervalSince1970: 17_179_869_184.000_001),
            Date(timeIntervalSinceReferenceDate: 0), Date(timeIntervalSinceReferenceDate: -0.0),
            Date(timeIntervalSinceReferenceDate: 0.1), Date(timeIntervalSinceReferenceDate: 1.234_567_890_123_456),
            Date(timeIntervalSinceReferenceDate: 1e-12), Date(timeIntervalSinceReferenceDate: -3.000_000_000_5),
            Date(timeIntervalSinceReferenceDate: 1e18), Date(timeIntervalSinceReferenceDate: .infinity),
            .distantPast, .distantFuture, Date(),
        ]
        for date in dates {
            let decoded = try codec.decode(Date.self, from: bytes(date))
            #expect(decoded.timeIntervalSinceReferenceDate.bitPattern == date.timeIntervalSinceReferenceDate.bitPattern, "\(date.timeIntervalSinceReferenceDate)")
        }
        // Sub-second precision, which both codecs keep.
        let precise = Date(timeIntervalSince1970: 1_733_000_000.123_456)
        #expect(try codec.decode(Date.self, from: bytes(precise)) == precise)
        #expect(try JSONCacheCodec().decode(Date.self, from: JSONCacheCodec().encode(precise)) == precise)
    }

    @Test func roundTripsUUIDURLAndDecimal() throws {
        try roundTrip(UUID())
        try roundTrip([UUID(), UUID()])
        try roundTrip(URL(string: "https://example.com/path?q=1#frag")!)
        try roundTrip(URL(fileURLWithPath: "/tmp/a b"))
        try roundTrip(Decimal(string: "12345.678901234567890123")!)
        try roundTrip([Decimal(-1), Decimal(0), Decimal(string: "0.1")!])
        // Integers that a Double holds exactly read as Doubles.
        #expect(try codec.decode(Stored<[Double?]>.self, from: bytes(Stored(field: [1, 2]))).field == [1, 2])
    }

    @Test func roundTripsOptionalsAbsentAndNil() throws {
        struct Optionals: Codable, Equatable {
            var a: Int?
            var b: String?
            var c: [Int?]
            var d: Date?
            var e: MessagePackUserDTO?
        }
        try roundTrip(Optionals(a: nil, b: nil, c: [nil, 1, nil], d: nil, e: nil))
        try roundTrip(Optionals(a: 1, b: "x", c: [], d: Date(timeIntervalSince1970: 5), e: .sample))
        // An explicit nil and an absent key both read as nil.
        struct ExplicitNil: Encodable {
            enum CodingKeys: String, CodingKey { case a, b, c }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encodeNil(forKey: .a)
                try container.encodeNil(forKey: .b)
                try container.encode([Int]?.none, forKey: .c)
            }
        }
        struct Reader: Decodable {
            enum CodingKeys: String, CodingKey { case a, b, c, d }
            var a: Int?, b: String?, aIsNil: Bool, dIsPresent: Bool
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                a = try container.decodeIfPresent(Int.self, forKey: .a)
                b = try container.decodeIfPresent(String.self, forKey: .b)
                aIsNil = try container.decodeNil(forKey: .a)
                dIsPresent = container.contains(.d)
                #expect(throws: DecodingError.self) { try container.decodeNil(forKey: .d) }
            }
        }
        let reader = try codec.decode(Reader.self, from: bytes(ExplicitNil()))
        #expect(reader.a == nil && reader.b == nil && reader.aIsNil && !reader.dIsPresent)
        // A required value that is nil is valueNotFound; a required key that is absent is keyNotFound.
        struct Required: Codable { var a: Int }
        struct Empty: Codable {}
        let valueNotFound = #expect(throws: DecodingError.self) { try codec.decode(Required.self, from: [0x81, 0xa1, 0x61, 0xc0]) }
        guard case .valueNotFound = valueNotFound else { Issue.record("expected valueNotFound, got \(String(describing: valueNotFound))"); return }
        let keyNotFound = #expect(throws: DecodingError.self) { try codec.decode(Required.self, from: bytes(Empty())) }
        guard case .keyNotFound = keyNotFound else { Issue.record("expected keyNotFound, got \(String(describing: keyNotFound))"); return }
    }

    @Test func roundTripsNestedCollections() throws {
        try roundTrip([[1, 2], [], [3]])
        try roundTrip(["a": [1.5], "b": []])
        try roundTrip([1: "one", -2: "minus two"])
        try roundTrip(Set(["x", "y", "z"]))
        try roundTrip([MessagePackUserDTO.sample, MessagePackUserDTO.sample])
        try roundTrip(Array(0..<70_000))
        try roundTrip(Dictionary(uniqueKeysWithValues: (0..<40).map { ("key\($0)", [$0]) }))
        // Containers of more than 64 values nested in others (their ends are memoized by validation).
        try roundTrip([Stored(field: Array(0..<100)), Stored(field: Array(0..<300))])
        try roundTrip(["a": Array(repeating: (0..<70).map(String.init), count: 3), "b": [["x"]]])
        try roundTrip([[Double]](repeating: [1.5, -2, 1e300], count: 40))
    }

    enum Shape: Codable, Equatable {
        case point
        case circle(radius: Double)
        case rectangle(Double, Double)
        case labelled(String, inner: [Shape])
        case tagged(id: UUID, at: Date?)
    }

    enum Suit: String, Codable { case hearts, spades }
    enum Rank: Int, Codable { case ace = 1, king = 13 }

    @Test func roundTripsEnums() throws {
        try roundTrip([
            Shape.point, .circle(radius: 2), .rectangle(1, 2), .labelled("l", inner: [.point, .circle(radius: 0.5)]),
            .tagged(id: UUID(), at: nil), .tagged(id: UUID(), at: Date(timeIntervalSince1970: 9)),
        ])
        try roundTrip([Suit.hearts, .spades])
        try roundTrip([Rank.ace, .king])
        #expect(try bytes(Suit.hearts) == [0xa6] + Array("hearts".utf8))
    }

    class Animal: Codable, Equatable {
        var name: String
        init(name: String) { self.name = name }
        static func == (lhs: Animal, rhs: Animal) -> Bool { lhs.isEqual(rhs) }
        func isEqual(_ other: Animal) -> Bool { type(of: self) == type(of: other) && name == other.name }
    }

    /// Encodes its superclass under `super` with `superEncoder()`.
    final class Dog: Animal {
        var goodBoy: Bool
        enum CodingKeys: String, CodingKey { case goodBoy }
        init(name: String, goodBoy: Bool) {
            self.goodBoy = goodBoy
            super.init(name: name)
        }
        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            goodBoy = try container.decode(Bool.self, forKey: .goodBoy)
            try super.init(from: container.superDecoder())
        }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(goodBoy, forKey: .goodBoy)
            try super.encode(to: container.superEncoder())
        }
        override func isEqual(_ other: Animal) -> Bool { super.isEqual(other) && goodBoy == (other as? Dog)?.goodBoy }
    }

    /// Shares its superclass's container.
    final class Cat: Animal {
        var lives: Int
        enum CodingKeys: String, CodingKey { case lives }
        init(name: String, lives: Int) {
            self.lives = lives
            super.init(name: name)
        }
        required init(from decoder: any Decoder) throws {
            lives = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .lives)
            try super.init(from: decoder)
        }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(lives, forKey: .lives)
            try super.encode(to: encoder)
        }
        override func isEqual(_ other: Animal) -> Bool { super.isEqual(other) && lives == (other as? Cat)?.lives }
    }

    @Test func roundTripsClassInheritance() throws {
        try roundTrip(Dog(name: "Rex", goodBoy: true))
        try roundTrip(Cat(name: "Tom", lives: 9))
        #expect(try bytes(Cat(name: "T", lives: 9)) == [0x82, 0xa5] + Array("lives".utf8) + [0x09, 0xa4] + Array("name".utf8) + [0xa1, 0x54])
        #expect(try bytes(Dog(name: "R", goodBoy: false)) == [0x82, 0xa7] + Array("goodBoy".utf8) + [0xc2, 0xa5] + Array("super".utf8) + [0x81, 0xa4] + Array("name".utf8) + [0xa1, 0x52])
    }

    /// Writes nested containers out of order, interleaved with direct writes.
    struct Interleaved: Codable, Equatable {
        var first: [Int]
        var inner: [String: String]
        var middle: Int
        var list: [[Int]]
        var base: String

        enum CodingKeys: String, CodingKey { case first, inner, middle, list, base }
        enum InnerKeys: String, CodingKey { case x, y }

        init(first: [Int], inner: [String: String], middle: Int, list: [[Int]], base: String) {
            (self.first, self.inner, self.middle, self.list, self.base) = (first, inner, middle, list, base)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            var first = container.nestedUnkeyedContainer(forKey: .first)
            var inner = container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
            try container.encode(middle, forKey: .middle)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            var superEncoder = container.superEncoder(forKey: .base).singleValueContainer()
            try inner.encode(self.inner["x"], forKey: .x)
            for value in self.first { try first.encode(value) }
            for row in self.list {
                var nested = list.nestedUnkeyedContainer()
                for value in row { try nested.encode(value) }
            }
            try inner.encode(self.inner["y"], forKey: .y)
            try superEncoder.encode(base)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            var first = try container.nestedUnkeyedContainer(forKey: .first)
            var values: [Int] = []
            while !first.isAtEnd { values.append(try first.decode(Int.self)) }
            self.first = values
            let inner = try container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
            self.inner = ["x": try inner.decode(String.self, forKey: .x), "y": try inner.decode(String.self, forKey: .y)]
            middle = try container.decode(Int.self, forKey: .middle)
            var list = try container.nestedUnkeyedContainer(forKey: .list)
            var rows: [[Int]] = []
            while !list.isAtEnd {
                var row = try list.nestedUnkeyedContainer()
                var values: [Int] = []
                while !row.isAtEnd { values.append(try row.decode(Int.self)) }
                rows.append(values)
            }
            self.list = rows
            base = try container.superDecoder(forKey: .base).singleValueContainer().decode(String.self)
        }
    }

    @Test func roundTripsNestedContainersWrittenOutOfOrder() throws {
        let value = Interleaved(first: Array(0..<20), inner: ["x": "ex", "y": "why"], middle: 7, list: [[1], [], Array(0..<17)], base: "b")
        try roundTrip(value)
        let encoded = try bytes(value)
        // first, inner, middle, list, base — in the order the keys were encoded.
        let expectedStart: [UInt8] = [0x85, 0xa5] + Array("first".utf8) + [0xdc]
        #expect(Array(encoded.prefix(8)) == expectedStart)
    }

    // MARK: Type changes



    func expectFailure<Old: Codable, New: Codable>(_ old: Old, as new: New.Type, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = try codec.encode(Stored(field: old))
        #expect(throws: DecodingError.self, "\(Old.self) read as \(New.self)", sourceLocation: sourceLocation) {
            try codec.decode(Stored<New>.self, from: encoded)
        }
    }

    @Test func changedFieldTypesFailToDecode() throws {
        try expectFailure("42", as: Int.self)
        try expectFailure(42, as: String.self)
        try expectFailure(42, as: Bool.self)
        try expectFailure(true, as: Int.self)
        try expectFailure(1.5, as: Int.self)
        try expectFailure(2.0, as: Int.self)  // a float never reads as an integer, even a whole one
        try expectFailure(300, as: UInt8.self)
        try expectFailure(-1, as: UInt.self)
        try expectFailure(Int64.max, as: Int32.self)
        try expectFailure(UInt64.max, as: Int.self)
        try expectFailure((1 << 53) + 1, as: Double.self)  // not exactly representable
        try expectFailure((1 << 24) + 1, as: Float.self)
        try expectFailure(0.1, as: Float.self)
        try expectFailure("text", as: Data.self)
        try expectFailure(Data([1]), as: String.self)
        try expectFailure(Data(count: 16), as: UUID.self)
        try expectFailure(UUID(), as: Data.self)
        try expectFailure(UUID(), as: String.self)
        try expectFailure(UUID().uuidString, as: UUID.self)
        try expectFailure(Date(), as: Double.self)
        try expectFailure(1.5, as: Date.self)
        try expectFailure("2024-01-01T00:00:00Z", as: Date.self)
        try expectFailure([1, 2], as: Int.self)
        try expectFailure([1, 2], as: [String].self)
        try expectFailure(["a": 1], as: [Int].self)
        try expectFailure(["a"], as: [Int].self)
        try expectFailure([1.5], as: [Int].self)
        try expectFailure([300], as: [UInt8].self)
        try expectFailure([UUID()], as: [String].self)
        try expectFailure(MessagePackUserDTO.sample, as: [String].self)
        try expectFailure("", as: URL.self)
        try expectFailure(Optional<Int>.none, as: Int.self)
        // A renamed field is a missing key.
        struct Renamed: Codable { var other: Int }
        #expect(throws: DecodingError.self) { try codec.decode(Renamed.self, from: codec.encode(Stored(field: 1))) }
    }

    /// What the README promises about a type that changed between deploys, for both codecs: a field the type dropped
    /// is ignored and an added optional field reads as `nil` (the value decodes: a hit); a field it gained as required
    /// is missing (a miss).
    @Test func droppedFieldsAreIgnoredAndAddedOptionalsAreNilInBothCodecs() throws {
        struct Before: Codable { var id: Int; var name: String; var legacy: String }
        struct After: Codable, Equatable { var id: Int; var name: String; var nickname: String? }
        struct Required: Codable { var id: Int; var name: String; var email: String }
        let before = Before(id: 7, name: "Ada", legacy: "kept by the old type only")
        let codecs: [any CacheCodec] = [codec, JSONCacheCodec()]
        for codec in codecs {
            let stored = try codec.encode(before)
            #expect(try codec.decode(After.self, from: stored) == After(id: 7, name: "Ada", nickname: nil), "\(codec.identifier)")
            #expect(throws: DecodingError.self, "\(codec.identifier)") { try codec.decode(Required.self, from: stored) }
        }
    }

    // MARK: Encoder misuse and the envelope

    @Test func encoderMisuseThrows() throws {
        struct TwoContainers: Encodable {
            enum Keys: CodingKey { case a }
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: Keys.self)
                try keyed.encode(1, forKey: .a)
                var unkeyed = encoder.unkeyedContainer()
                try unkeyed.encode(2)
            }
        }
        #expect(throws: EncodingError.self) { try codec.encode(TwoContainers()) }
        struct TwoSingleValues: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(1)
                try container.encode(2)
            }
        }
        #expect(throws: EncodingError.self) { try codec.encode(TwoSingleValues()) }
    }

    @Test func aCaughtEncodingErrorLeavesNoTrace() throws {
        struct Failing: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                try container.encode(1)
                throw EncodingError.invalidValue(1, .init(codingPath: [], debugDescription: "test"))
            }
        }
        struct Tolerant: Encodable {
            enum CodingKeys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try? container.encode(Failing(), forKey: .a)
                try container.encode(2, forKey: .b)
                var list = container.nestedUnkeyedContainer(forKey: .a)
                try? list.encode(Failing())
                try list.encode(3)
            }
        }
        #expect(try bytes(Tolerant()) == [0x82, 0xa1, 0x62, 0x02, 0xa1, 0x61, 0x91, 0x03])
    }
}

extension MessagePackCodecTests.Stored: Equatable where T: Equatable {}
