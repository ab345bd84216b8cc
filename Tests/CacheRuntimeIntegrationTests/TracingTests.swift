import CacheSchemaRedis
import Foundation
import InMemoryTracing
import RedisTestSupport
import Testing
import Tracing

@testable import CacheRuntime

/// Spans of cache operations, recorded by an in-memory tracer: named by schema key or entity, with the outcome and
/// the server, errors recorded, and never a concrete key or a value.
@Suite struct TracingTests {
    private func spans(_ tracer: InMemoryTracer, named name: String) -> [FinishedInMemorySpan] {
        tracer.finishedSpans.filter { $0.operationName == name }
    }

    private func text(_ span: FinishedInMemorySpan, _ attribute: String) -> String? {
        if case .string(let value)? = span.attributes[attribute]?.toSpanAttribute() { return value }
        return nil
    }

    /// Every string an exporter would send for these spans: no concrete key or cached value may be among them.
    private func exported(_ spans: [FinishedInMemorySpan]) -> String {
        var text = ""
        for span in spans {
            text += span.operationName + " "
            span.attributes.forEach { key, value in text += "\(key)=\(value) " }
            for error in span.errors { text += "\(error.error) " }
        }
        return text
    }

    @Test func getOrSetSaysMissHitAndNearAndNamesTheKeyNotItsValue() async throws {
        let tracer = InMemoryTracer()
        try await withCache(nearCaching: CacheNearCacheTracking(), tracer: tracer) { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "Secret Name", email: "secret@example.com")
            _ = try await cache.getOrSet(key) { user }
            _ = try await cache.getOrSet(key) { user }
            let reads = spans(tracer, named: "getOrSet user")
            #expect(reads.map { text($0, "cache.outcome") } == ["miss", "hit"])
            for span in reads {
                #expect(span.kind == .client)
                #expect(text(span, "cache.key") == "user" && text(span, "db.system.name") == "redis")
                #expect(span.attributes["server.port"]?.toSpanAttribute() == .int64(Int64(server.port)))
            }
            let near = key.near(CacheNearCachePolicy(localTTL: .seconds(60), capacity: 10))
            _ = cache.nearPolicy(near)
            try await waitUntil("tracking is live") { cache.nearCache.isLive }
            _ = try await cache.getOrSet(near) { user }
            _ = try await cache.getOrSet(near) { user }
            #expect(spans(tracer, named: "getOrSet user").last.map { text($0, "cache.outcome") } == "near")
            let all = exported(tracer.finishedSpans)
            for secret in [id.uuidString.lowercased(), key.rawValue, "Secret Name", "secret@example.com"] {
                #expect(!all.contains(secret), "\(secret) in a span: \(all)")
            }
        }
    }

    @Test func aValueInItsStaleWindowIsAStaleOutcome() async throws {
        let tracer = InMemoryTracer()
        try await withCache(tracer: tracer) { _, cache in
            let key = CacheKeys.user(userID: UUID()).with(CacheFreshness(staleWindow: .seconds(30)))
            try await cache.set(key, UserDTO(id: UUID(), name: "a", email: "a@x"), ttl: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(300))  // past its TTL, inside its stale window
            _ = try await cache.getOrSet(key) { UserDTO(id: UUID(), name: "b", email: "b@x") }
            #expect(spans(tracer, named: "getOrSet user").map { text($0, "cache.outcome") } == ["stale"])
        }
    }

    @Test func aBypassRecordsRedissErrorAndALoaderErrorFailsTheSpan() async throws {
        let tracer = InMemoryTracer()
        try await withCache(readTimeout: .seconds(2), tracer: tracer) { server, cache in
            struct SourceDown: Error {}
            let key = CacheKeys.user(userID: UUID())
            await #expect(throws: SourceDown.self) { _ = try await cache.getOrSet(key) { throw SourceDown() } }
            let failed = try #require(spans(tracer, named: "getOrSet user").last)
            #expect(failed.errors.contains { $0.error is SourceDown })
            await server.stop()
            _ = try await cache.getOrSet(key) { UserDTO(id: UUID(), name: "a", email: "a@x") }
            let bypass = try #require(spans(tracer, named: "getOrSet user").last)
            #expect(text(bypass, "cache.outcome") == "bypass")
            #expect(bypass.errors.contains { $0.error is CacheError }, "the Redis failure is on the span")
        }
    }

    @Test func writesAndInvalidationsAreSpansOfTheirKeyOrEntity() async throws {
        let tracer = InMemoryTracer()
        try await withCache(tracer: tracer) { _, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            _ = try await cache.writeThrough(key) { UserDTO(id: id, name: "w", email: "w@x") }
            try await cache.invalidate(CacheInvalidations.user(userID: id))
            _ = try await cache.writeThrough(key) { UserDTO(id: id, name: "w", email: "w@x") }
            _ = try await cache.deleteThrough(CacheInvalidations.user(userID: id)) { true }
            #expect(spans(tracer, named: "writeThrough user").count == 2)
            let invalidations = spans(tracer, named: "invalidate user")
            #expect(invalidations.count == 2 && invalidations.allSatisfy { text($0, "cache.entity") == "user" })
            #expect(invalidations.first?.attributes["cache.deleted"]?.toSpanAttribute() == .int64(1))
            let delete = try #require(spans(tracer, named: "deleteThrough user").first)
            #expect(invalidations.last?.parentSpanID == delete.spanID, "the invalidation of a delete-through is its child")
        }
    }
}
