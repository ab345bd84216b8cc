import Foundation
import RedisTestSupport
import Testing

@testable import CacheSchemaMessagePack

/// Truncated, corrupt, hostile and deeply nested input: always a thrown error, never a trap, never an unbounded
/// allocation.
@Suite struct MessagePackRobustnessTests {
    let codec = MessagePackCacheCodec()

    struct Nest: Codable, Equatable {
        var children: [Nest]

        static func chain(_ length: Int) -> Nest {
            var nest = Nest(children: [])
            for _ in 1..<length { nest = Nest(children: [nest]) }
            return nest
        }
    }

    /// Every strict prefix of a valid encoding, and the encoding with a byte appended, throw.
    func expectEveryTruncationThrows<T: Codable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = try codec.encode(value)
        for length in 0..<encoded.count {
            #expect(throws: DecodingError.self, sourceLocation: sourceLocation) { try codec.decode(T.self, from: Array(encoded.prefix(length))) }
        }
        #expect(throws: DecodingError.self, sourceLocation: sourceLocation) { try codec.decode(T.self, from: encoded + [0x00]) }
    }

    @Test func everyTruncationThrows() throws {
        try expectEveryTruncationThrows(MessagePackUserDTO.sample)
        try expectEveryTruncationThrows(MessagePackCodecTests.Interleaved(first: Array(0..<17), inner: ["x": "1", "y": "2"], middle: 300, list: [[1, 2]], base: "b"))
        try expectEveryTruncationThrows([MessagePackCodecTests.Shape.labelled("l", inner: [.circle(radius: 1), .tagged(id: UUID(), at: Date())])])
        try expectEveryTruncationThrows([Date(timeIntervalSince1970: 1), Date(timeIntervalSince1970: 1.5), Date(timeIntervalSince1970: -1.5), Date(timeIntervalSinceReferenceDate: 1e-12)])
        try expectEveryTruncationThrows(["k": Data(count: 300), "l": Data()])
        try expectEveryTruncationThrows(String(repeating: "s", count: 300))
        try expectEveryTruncationThrows(Nest.chain(20))
    }

    @Test func hugeDeclaredLengthsFailFast() throws {
        let tail = [UInt8](repeating: 0, count: 10)
        let hostile: [[UInt8]] = [
            [0xdb, 0xff, 0xff, 0xff, 0xff] + tail,  // str 32
            [0xc6, 0xff, 0xff, 0xff, 0xff] + tail,  // bin 32
            [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01] + tail,  // ext 32
            [0xdd, 0xff, 0xff, 0xff, 0xff] + tail,  // array 32
            [0xdf, 0xff, 0xff, 0xff, 0xff] + tail,  // map 32
            [0xdc, 0xff, 0xff] + tail,  // array 16
            [0xde, 0xff, 0xff] + tail,  // map 16
            [0x81, 0xdb, 0xff, 0xff, 0xff, 0xff] + tail,  // a key of 4 GiB
            [0x91, 0xdd, 0x7f, 0xff, 0xff, 0xff] + tail,
            [0x8f] + tail,  // 15 pairs in 10 bytes
        ]
        let elapsed = try measureThreadCPUTime {
            for bytes in hostile {
                #expect(throws: DecodingError.self) { try codec.decode(String.self, from: bytes) }
                #expect(throws: DecodingError.self) { try codec.decode(Data.self, from: bytes) }
                #expect(throws: DecodingError.self) { try codec.decode([Int].self, from: bytes) }
                #expect(throws: DecodingError.self) { try codec.decode([String: Int].self, from: bytes) }
                #expect(throws: DecodingError.self) { try codec.decode(MessagePackUserDTO.self, from: bytes) }
            }
            // A large container that is present is fine.
            _ = try codec.decode([Int].self, from: [0xdd, 0x00, 0x01, 0x00, 0x00] + [UInt8](repeating: 1, count: 65_536))
        }
        #expect(elapsed < .seconds(5))
    }

    @Test func malformedValuesThrow() throws {
        let cases: [[UInt8]] = [
            [], [0xc1], [0x81, 0x01, 0x02],  // a map key that is not a string
            [0xa2, 0xff, 0xfe],  // invalid UTF-8
            [0xd6, 0xff, 0xff, 0xff, 0xff, 0xff],  // ok timestamp, but decoded as String below
            [0xc7, 12, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  // nanoseconds over a second
            [0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02],  // the same key twice
            [0x00, 0x00],  // trailing bytes
        ]
        for bytes in cases {
            #expect(throws: DecodingError.self) { try codec.decode(String.self, from: bytes) }
            #expect(throws: DecodingError.self) { try codec.decode([String: Int].self, from: bytes) }
        }
        #expect(throws: DecodingError.self) { try codec.decode(Date.self, from: [0xc7, 12, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: DecodingError.self) { try codec.decode(Date.self, from: [0xd7, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]) }
        #expect(throws: DecodingError.self) { try codec.decode(UUID.self, from: [0xd8, 0x02] + [UInt8](repeating: 0, count: 16)) }
        // A map with a key twice is rejected, also past the small-map path.
        let manyPairs: [UInt8] = (0..<40).flatMap { index -> [UInt8] in [0xa3] + Array(String(format: "k%02d", index).utf8) + [0x01] }
        #expect(try codec.decode([String: Int].self, from: [0xde, 0x00, 40] + manyPairs).count == 40)
        let duplicated: [UInt8] = manyPairs + [0xa3] + Array("k07".utf8) + [0x02]
        #expect(throws: DecodingError.self) { try codec.decode([String: Int].self, from: [0xde, 0x00, 41] + duplicated) }
    }

    // The two fuzz loops run through runCPUBound (a thread of their own at low priority, one CPU-bound job at a
    // time): seconds of CPU on the cooperative pool would starve the Redis suites running beside them.
    @Test func randomBytesNeverCrash() async {
        let codec = self.codec
        let decoded = await runCPUBound { () -> Int in
            var generator = SplitMix64(seed: 0x5eed)
            // Bias towards format bytes that open containers and long strings, so the fuzz reaches deep.
            let interesting: [UInt8] = [0x81, 0x82, 0x91, 0x92, 0xa1, 0xa2, 0xc0, 0xc3, 0xcb, 0xd6, 0xd7, 0xd8, 0xdc, 0xdd, 0xde, 0xdf, 0xdb, 0xc6, 0xc7, 0xff]
            var decoded = 0
            for iteration in 0..<200_000 {
                let length = Int.random(in: 0...24, using: &generator)
                var bytes = [UInt8](repeating: 0, count: length)
                for index in bytes.indices {
                    bytes[index] = Bool.random(using: &generator) ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
                }
                switch iteration % 4 {
                case 0: if (try? codec.decode(MessagePackUserDTO.self, from: bytes)) != nil { decoded += 1 }
                case 1: if (try? codec.decode([String: [Int?]].self, from: bytes)) != nil { decoded += 1 }
                case 2: if (try? codec.decode([MessagePackCodecTests.Shape].self, from: bytes)) != nil { decoded += 1 }
                default: if (try? codec.decode(Nest.self, from: bytes)) != nil { decoded += 1 }
                }
            }
            return decoded
        }
        #expect(decoded > 0)
    }

    @Test func mutatedEncodingsNeverCrash() async throws {
        let codec = self.codec
        let valid = try codec.encode([MessagePackUserDTO.sample, MessagePackUserDTO.sample])
        let decoded = await runCPUBound { () -> Int in
            var generator = SplitMix64(seed: 42)
            var decoded = 0
            for _ in 0..<20_000 {
                var bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: bytes.indices, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if (try? codec.decode([MessagePackUserDTO].self, from: bytes)) != nil { decoded += 1 }
            }
            return decoded
        }
        #expect(decoded < 20_000, "most mutations must be rejected")
    }

    @Test func nestingIsLimited() throws {
        let shallow = MessagePackCacheCodec(maxDepth: 16)
        // Each Nest is two levels: the struct and its array.
        let fits = Nest.chain(8)
        #expect(try shallow.decode(Nest.self, from: shallow.encode(fits)) == fits)
        #expect(throws: EncodingError.self) { try shallow.encode(Nest.chain(9)) }
        #expect(throws: DecodingError.self) { try shallow.decode(Nest.self, from: codec.encode(Nest.chain(9))) }
        // The default limit, in a debug build, on a test thread's stack.
        let deep = Nest.chain(256)
        #expect(try codec.decode(Nest.self, from: codec.encode(deep)) == deep)
        #expect(throws: EncodingError.self) { try codec.encode(Nest.chain(257)) }
        // Hostile nesting far past the limit: the type recursion stops at the limit...
        let hostile = [UInt8](repeating: 0x91, count: 200_000) + [0x90]
        let level: [UInt8] = [0x81, 0xa8] + Array("children".utf8)
        let nested: [UInt8] = Array(repeating: level + [0x91], count: 100_000).joined() + level + [0x90]
        #expect(throws: DecodingError.self) { try codec.decode(Nest.self, from: nested) }
        // ...and validation and skipping are iterative.
        #expect(throws: DecodingError.self) { try codec.decode(Int.self, from: hostile) }
        #expect(throws: DecodingError.self) { try codec.decode([String: Int].self, from: [0x81, 0xa1, 0x61] + hostile) }
        #expect(try codec.decode([String: [Int]].self, from: [0x81, 0xa1, 0x61, 0x91, 0x01]) == ["a": [1]])
    }

    /// A cyclic object graph is an encoding error, not a stack overflow.
    final class Node: Encodable {
        var next: Node?
    }

    @Test func cyclicGraphsFailToEncode() {
        let node = Node()
        node.next = node
        #expect(throws: EncodingError.self) { try codec.encode(node) }
        node.next = nil
    }
}
