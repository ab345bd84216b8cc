import CacheRuntime
import Foundation
import Testing

/// Absurd TTLs are stored as "practically never expires", never a trap or a half-applied write (issue 10, item 11c).
@Suite struct CacheTTLLimitTests {
    let user = UserDTO(id: UUID(), name: "Ada", email: "ada@example.com")

    @Test(arguments: [Duration.seconds(Int64.max), .seconds(1_000_000_000_000_000)])
    func anAbsurdTTLIsStoredAsTheLongestTheScriptsHandle(ttl: Duration) async throws {
        try await withCache { server, cache in
            let key = CacheKeys.user(userID: user.id)
            // 10^18 ms passes Redis's own PX check, but the store script's PEXPIRE of the index refused it after
            // the value was already set.
            try await cache.set(key, user, ttl: ttl)
            #expect(await cache.get(key).value == user)
            let pttl = Int(try await server.cli(["PTTL", key.rawValue])) ?? 0
            #expect(pttl > 9_000_000_000_000_000 && pttl < 1 << 53, "about 285,000 years, got \(pttl)")
        }
    }
}
