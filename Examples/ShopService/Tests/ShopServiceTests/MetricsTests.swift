import Testing

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
            func value(_ series: String) -> Double? {
                reply.text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
            }
            #expect(value(#"cache_hits_total{key="user"}"#) == 1, "\(reply.text.prefix(3000))")
            #expect(value(#"cache_misses_total{key="user"}"#) == 1, "\(reply.text.prefix(3000))")
            #expect(value(#"cache_loads_total{key="user"}"#) == 1, "\(reply.text.prefix(3000))")
            #expect(!reply.text.contains("shop:user:"), "metrics are labelled by key name, never by concrete key")
        }
    }
}
