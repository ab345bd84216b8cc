import CacheRuntime
import CacheSchemaRedis
import Foundation
import Testing

/// The runtime matches globs as Redis does: the repair queue relies on it to block reads of every key a pending
/// pattern deletion still has to remove.
@Suite struct CacheGlobMatchTests {
    @Test func theRuntimeMatchesGlobsAsRedisDoes() async throws {
        try await withCache { server, cache in
            let values = ["a", "a:b", "*", "?", "[a-z]", "\\", "]", "^", "-", "", "ab", "b", "x y", "é"]
            let keys = values.flatMap { value in ["g:\(CacheKeyEncoding.encode(value)):1", "g:\(value):2", "g:\(value)"] }
            for key in Set(keys) { _ = try await cache.client.routed(by: key).set(key, "x") }
            let globs = [
                CacheGlob("g:").anyRun(), CacheGlob("g:").value("a").anyRun(), CacheGlob("g:a").anyCharacter(),
                CacheGlob("g:*"), CacheGlob("g:[a-z]:2"), CacheGlob("g:").anyCharacter().literal(":").anyRun(),
                CacheGlob("g:").value("x y").literal(":1"), CacheGlob("g:\\:2"), CacheGlob("g:").anyRun().literal("]"),
            ]
            for glob in globs {
                var fromRedis: Set<String> = []
                for try await key in try await cache.client.scanPrimaries(match: glob.pattern, count: 1000, timeout: nil) { fromRedis.insert(String(buffer: key)) }
                #expect(Set(keys.filter(glob.matches)) == fromRedis, "glob \(glob.pattern)")
            }
        }
    }
}
