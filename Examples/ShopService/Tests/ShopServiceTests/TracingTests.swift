import InMemoryTracing
import Testing
import Tracing

/// Traces: with a tracer set up, each request has a server span (Hummingbird's `TracingMiddleware`) and the cache's
/// spans are its children. The tracer is bound to the test's task (`withTracer`), as the OTel trait's exporter is
/// bound to the process, so that the other tests running beside this one are not traced.
@Suite("Tracing")
struct TracingTests {
    private func text(_ span: FinishedInMemorySpan, _ attribute: String) -> String? {
        if case .string(let value)? = span.attributes[attribute]?.toSpanAttribute() { return value }
        return nil
    }

    @Test("a cached GET is a server span named by its route, with the cache's getOrSet span (miss, then hit) as its child")
    func requestSpanParentsCacheSpan() async throws {
        let tracer = InMemoryTracer()
        try await withTracer(tracer) {
            try await ShopUnderTest.run { shop in
                let restaurant = try await shop.seededRestaurant(3)
                #expect(try await shop.http.get("/restaurants/\(restaurant)/stats").xCache == "miss")
                #expect(try await shop.http.get("/restaurants/\(restaurant)/stats").xCache == "hit")
            }
        }
        let spans = tracer.finishedSpans
        let requests = spans.filter { $0.operationName == "/restaurants/{id}/stats" }
        let reads = spans.filter { $0.operationName == "getOrSet restaurantStats" }
        try #require(requests.count == 2 && reads.count == 2, "\(spans.map(\.operationName))")
        for (request, read) in zip(requests, reads) {
            #expect(request.kind == .server && read.kind == .client)
            #expect(read.parentSpanID == request.spanID && read.traceID == request.traceID, "the cache's span is the request's child")
            #expect(text(request, "http.route") == "/restaurants/{id}/stats")
            #expect(text(read, "cache.key") == "restaurantStats")
        }
        #expect(reads.map { text($0, "cache.outcome") } == ["miss", "hit"])
        #expect(Set(requests.map(\.traceID)).count == 2, "one trace per request")
    }
}
