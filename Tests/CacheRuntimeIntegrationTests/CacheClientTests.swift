import CacheRuntime
import CacheSchemaRedis
import Foundation
import NIOCore
import Testing

@Suite struct CacheClientTests {
    let user = UserDTO(id: UUID(), name: "Ada", email: "ada@example.com")

    @Test func getSetDeleteExistsWithTheSchemasTTL() async throws {
        try await withCache { server, cache in
            let key = CacheKeys.user(userID: user.id)
            #expect(await cache.get(key).value == nil)
            try await cache.set(key, user)
            #expect(await cache.get(key).value == user)
            #expect(try await cache.exists(key))
            let pttl = Int(try await server.cli(["PTTL", key.rawValue])) ?? 0
            #expect((280_000...300_000).contains(pttl))
            // Millisecond precision, with wide bounds: on a loaded machine seconds can pass between two commands.
            try await cache.set(key, user, ttl: .milliseconds(30_500))
            let shorter = Int(try await server.cli(["PTTL", key.rawValue])) ?? 0
            #expect((20_000...30_500).contains(shorter))
            #expect(try await cache.delete(key))
            #expect(try await cache.exists(key) == false)
            #expect(try await cache.delete(key) == false)
        }
    }

    @Test func multiGetInOneRoundTrip() async throws {
        try await withCache { _, cache in
            let ids = (0..<5).map { _ in UUID() }
            for id in ids.prefix(3) {
                try await cache.set(CacheKeys.user(userID: id), UserDTO(id: id, name: "n", email: "e"))
            }
            let lookups = await cache.get(ids.map { CacheKeys.user(userID: $0) })
            #expect(lookups.map { $0.value?.id } == [ids[0], ids[1], ids[2], nil, nil])
        }
    }

    @Test func aValueStoredByAnOlderDeployIsAMissAndIsOverwritten() async throws {
        try await withCache { server, cache in
            let id = UUID()
            // "Before the deploy": the key held another type.
            let legacy = CacheKeys.user(userID: id).withValueType(LegacyUserDTO.self)
            try await cache.set(legacy, LegacyUserDTO(id: 7, fullName: "Old Shape"))
            // Raw bytes that are not an envelope at all.
            let raw = CacheKeys.userByEmail(email: "raw@example.com", as: UserDTO.self)
            _ = try await server.cli(["SET", raw.rawValue, "{\"id\":1}"])
            let key = CacheKeys.user(userID: id)
            if case .miss = await cache.get(key) {} else { Issue.record("expected a miss") }
            if case .miss = await cache.get(raw) {} else { Issue.record("expected a miss") }
            let fresh = UserDTO(id: id, name: "New", email: "new@example.com")
            let loaded = try await cache.getOrSet(key) { fresh }
            #expect(loaded == fresh)
            #expect(await cache.get(key).value == fresh)
        }
    }

    @Test func deletePatternUsesScanAndMatchesValuesLiterally() async throws {
        try await withCache { server, cache in
            for email in ["a*@example.com", "b@example.com", "c@example.com"] {
                try await cache.set(CacheKeys.userByEmail(email: email, as: String.self), email)
            }
            let removed = try await cache.deletePattern(CacheGlob("shop:user:email:{").value("a*").anyRun().literal("}"))
            #expect(removed == 1)
            #expect(await cache.get(CacheKeys.userByEmail(email: "b@example.com", as: String.self)).value == "b@example.com")
            let keys = ["a*@example.com", "b@example.com", "c@example.com"].map { CacheKeys.userByEmail(email: $0, as: String.self).rawValue }
            #expect(try await server.cli(["EXISTS"] + keys) == "2")
            #expect(try await server.cli(["EXISTS", keys[0]]) == "0")
            // Literal text with glob characters matches itself only.
            #expect(try await cache.deletePattern(CacheGlob("shop:user:email:*")) == 0)
        }
    }
}
