import BenchmarkSupport
import CacheRuntime
import CacheSchemaMessagePack
import CacheSchemaRedis
import Foundation
import Logging

/// Table 2: codecs on the ~300-byte DTO. Add a row by adding a codec to `codecs`.
enum Codecs {
    static let codecs: [(name: String, codec: any CacheCodec)] = [
        ("JSON (Foundation), the default", JSONCacheCodec()),
        ("MessagePack (MessagePackCacheCodec)", MessagePackCacheCodec()),
        ("binary property list (Foundation)", PropertyListCacheCodec()),
    ]

    static func run(_ options: Options, client: any RedisKeyedClient, logger: Logger) async throws {
        let dto = SampleDTO.make()
        let json = try JSONCacheCodec().encode(dto)
        var table = [["codec", "payload bytes", "stored bytes", "encode µs", "decode µs"]]
        for (name, codec) in codecs {
            // Through the cache first: what it stores with this codec, and that it reads back as a hit of the same value.
            let cache = RedisCache(client: client, codec: codec, readTimeout: .seconds(10), writeTimeout: .seconds(10), logger: logger)
            let key = CacheKeys.sample(id: UUID())
            try await cache.set(key, dto)
            guard case .hit(let readBack) = await cache.get(key), readBack == dto else {
                throw BenchmarkError("\(name): the value did not read back as a hit of the same value")
            }
            let stored = try await client.routed(by: key.rawValue).get(key.rawValue)?.readableBytes ?? 0
            try await cache.delete(key)

            let payload = try codec.encode(dto)
            guard try codec.decode(SampleDTO.self, from: payload) == dto else { throw BenchmarkError("\(name) does not round-trip") }
            _ = try perCall(options.codecIterations / 5 + 1) { _ = try codec.encode(dto) }  // warm-up
            _ = try perCall(options.codecIterations / 5 + 1) { _ = try codec.decode(SampleDTO.self, from: payload) }
            var encodes: [Double] = [], decodes: [Double] = []
            for _ in 0..<options.rounds {
                encodes.append(try perCall(options.codecIterations) { _ = try codec.encode(dto) })
                decodes.append(try perCall(options.codecIterations) { _ = try codec.decode(SampleDTO.self, from: payload) })
            }
            table.append([name, String(payload.count), String(stored), String(format: "%.2f", median(encodes)), String(format: "%.2f", median(decodes))])
        }
        print("""
            2. Codecs: SampleDTO (7 fields: UUID, 2 strings, Date, 4 tags, Int, a 110-character string) is \(json.count) bytes \
            as JSON; \(thousands(Double(options.codecIterations))) encodes and decodes per round, \(options.rounds) rounds, medians; \
            one thread. Stored bytes = payload + the runtime's envelope, read back through RedisCache as a hit.

            """)
        print(pad(table))
        print("")
    }

    /// Microseconds per call of `body`, over `iterations` calls.
    static func perCall(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        return seconds(ContinuousClock.now - start) * 1e6 / Double(iterations)
    }
}
