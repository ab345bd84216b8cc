import CacheSchemaRESP
import CacheSchemaRedis
import NIOCore

extension RedisCache {
    /// How a write treats the owners' generations.
    enum GenerationMode {
        /// A fresh write (write-through): bump them.
        case bump
        /// A cache-aside fill: store only if they still have the values read before loading.
        case check([String])
    }

    /// Writes encoded bytes through the store script: indexed under the key's owners; a fresh write bumps its
    /// generations, a fill (`expectedGenerations`, read from ``CacheIndexKeys/checkedGenerations(of:)`` before
    /// loading) stores only if they are unchanged. Returns false when a checked write was refused.
    func store<Value>(_ bytes: ByteBuffer, key: CacheKey<Value>, ttl: Duration, expectedGenerations: [String]?) async throws -> Bool {
        let milliseconds = Self.milliseconds(ttl)
        let indexKeys = CacheIndexKeys.indexes(of: key)
        let generationKeys = expectedGenerations == nil ? CacheIndexKeys.generations(of: key) : CacheIndexKeys.checkedGenerations(of: key)
        let mode = expectedGenerations == nil ? "bump" : "check"
        let expected = expectedGenerations ?? generationKeys.map { _ in "" }
        let arguments: [any RESPArgument] = [bytes, milliseconds, indexKeys.count, generationKeys.count, mode]
            + expected.map { $0 as any RESPArgument } + [Self.milliseconds(Self.generationLifetime)]
        let reply = try await client.run(CacheScripts.store, keys: [key.rawValue] + indexKeys + generationKeys, values: arguments, timeout: writeTimeout)
        return reply == .integer(1)
    }

    /// Deletes a key, removes it from its owners' indexes and bumps its generations: a `delete`, and the repair of a
    /// write or delete that failed.
    func deleteAndBump(key: String, indexKeys: [String], generationKeys: [String]) async throws -> Bool {
        let reply = try await client.run(
            CacheScripts.deleteAndBump, keys: [key] + indexKeys + generationKeys,
            arguments: [String(Self.milliseconds(Self.generationLifetime)), String(indexKeys.count)], timeout: writeTimeout)
        return reply == .integer(1)
    }

    /// Bumps the pattern marker of a glob (see ``CacheIndexKeys/patternGeneration(forGlob:namespace:)``) before a
    /// SCAN deletion of it starts: a fill that read the marker before cannot store afterwards what the scan may
    /// already have passed. Sound because the caller changed the source first, so a fill reading the bumped marker
    /// loads the new data.
    func bumpPatternGeneration(for glob: String, namespace: String?) async throws {
        _ = try await client.run(
            CacheScripts.bump, keys: [CacheIndexKeys.patternGeneration(forGlob: glob, namespace: namespace)],
            arguments: [String(Self.milliseconds(Self.generationLifetime))], timeout: writeTimeout)
    }

    /// The longest TTL the runtime sends, in milliseconds: 2^53 - 1 (about 285,000 years). Redis itself accepts `PX`
    /// up to about 2^63 ms minus the current time, but the runtime's Lua scripts turn TTLs into Lua numbers (doubles,
    /// exact only up to 2^53), and `PEXPIRE` refuses the rounded value above 10^17 after the script's `SET` has
    /// already run: clamping here keeps a write from half-applying. Any TTL this long means "never expires" in practice.
    static let maximumMilliseconds = (1 << 53) - 1

    /// A TTL in whole milliseconds for `PX`, between 1 and ``maximumMilliseconds``, without overflowing for any
    /// `Duration` (a zero or negative TTL becomes 1 ms, as Redis refuses 0).
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        guard seconds < Int64(maximumMilliseconds / 1000) else { return maximumMilliseconds }
        return min(maximumMilliseconds, max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)))
    }
}
