import CacheSchemaLocalRedis
import Testing

@testable import ShopService

/// `GET /metrics`: Prometheus text with hits, misses and loads per schema key name, never per concrete key.
@Suite("Metrics")
struct MetricsTests {
    @Test("after a miss and a hit, /metrics counts them under the key's name")
    func countsByKeyName() async throws {
        try await ShopUnderTest.run { shop in
            let user = try await shop.seededUser()
            _ = try await shop.http.get("/users/\(user.id)")
            _ = try await shop.http.get("/users/\(user.id)")
            let reply = try await shop.http.get("/metrics")
            #expect(reply.status == 200 && reply.contentType?.hasPrefix("text/plain") == true, "\(reply)")
            func value(_ series: String) -> Double? { Self.value(series, in: reply.text) }
            #expect(value(#"cache_hits_total{key="user"}"#) == 1, "\(reply.text.prefix(3000))")
            #expect(value(#"cache_misses_total{key="user"}"#) == 1, "\(reply.text.prefix(3000))")
            #expect(value(#"cache_loads_total{key="user"}"#) == 1, "\(reply.text.prefix(3000))")
            #expect(!reply.text.contains("shop:user:"), "metrics are labelled by key name, never by concrete key")
        }
    }

    @Test("CACHE_NEAR=0 reads the near-cached user from Redis every time; by default repeated reads come from memory")
    func nearCachingSwitch() async throws {
        for nearCaching in [false, true] {
            try await ShopUnderTest.run(configure: { $0.nearCaching = nearCaching }) { shop in
                let user = try await shop.seededUser()
                // `t` among a connection's flags: it has tracking on.
                func tracking() async throws -> Bool {
                    let clients = try await shop.redis.cli(["CLIENT", "LIST"])
                    return clients.split(separator: " ").contains { $0.hasPrefix("flags=") && $0.contains("t") }
                }
                func nearHits() async throws -> Double {
                    Self.value(#"cache_near_hits_total{key="user"}"#, in: try await shop.http.get("/metrics").text) ?? 0
                }
                if nearCaching {
                    // Values are kept only once tracking is live, which a loaded machine may delay: read until one is.
                    try await waitUntil("a near hit", timeout: .seconds(60), interval: .milliseconds(50)) {
                        _ = try await shop.http.get("/users/\(user.id)")
                        return try await nearHits() > 0
                    }
                    try await waitUntil("a tracking connection", timeout: .seconds(30)) { try await tracking() }
                } else {
                    for _ in 0..<20 { _ = try await shop.http.get("/users/\(user.id)") }
                    #expect(try await nearHits() == 0, "CACHE_NEAR=0, yet near hits")
                    #expect(try await !tracking(), "CACHE_NEAR=0, yet a tracking connection")
                }
            }
        }
    }

    /// The value of one series in Prometheus text, `nil` when the series is absent.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }
}
