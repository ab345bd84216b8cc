import CacheSchemaRESP
import CacheSchemaRedis
import NIOCore

extension RedisCache {
    /// What a fill or a write-through read before it ran: the server's incarnation and the generation markers of
    /// ``CacheIndexKeys/checkedGenerations(of:)`` ("" for an absent one). A store compares both: a marker that was
    /// bumped, or erased by a restart (another incarnation), means a write, delete or invalidation may have come
    /// in between.
    struct GenerationSnapshot: Sendable, Equatable {
        /// The server process's `run_id` when the markers were read.
        let incarnation: String
        /// The markers, in the order of ``CacheIndexKeys/checkedGenerations(of:)``.
        let markers: [String]
    }

    /// How a store treats the generations (see ``CacheScripts/store``).
    enum StoreMode: Sendable {
        /// `set`: store and bump; the caller's write is the latest.
        case set
        /// A cache-aside fill: store only if nothing changed since the snapshot; bump nothing. With a lease token
        /// (see ``CacheFillLease``; `-` for none of its own), also only while no other process holds the key's lease.
        case fill(GenerationSnapshot, lease: String?)
        /// A write-through after its update: store and bump if nothing changed since the snapshot (taken before the
        /// update), otherwise delete the key and bump. `nil` when the snapshot could not be read: delete and bump.
        case write(GenerationSnapshot?)
    }

    /// Writes encoded bytes through the store script, indexed under the key's owners, in `mode`. Returns false when
    /// a fill was refused or a write-through deleted the key instead of storing.
    ///
    /// Owners in another slot (see ``CacheIndexKeys``) are served by separate commands: a `set` first adds the key
    /// to their indexes (a fill or write-through did when it read its snapshot), and a `set` or write-through bumps
    /// their markers after its own script.
    func store<Value>(_ bytes: ByteBuffer, key: CacheKey<Value>, ttl declared: Duration, mode: StoreMode) async throws -> Bool {
        // Jittered, and with the stale window on top (see ``CacheFreshness``).
        let ttl = Self.storedTTL(declared, freshness: key.descriptor.freshness)
        let indexKeys = CacheIndexKeys.indexes(of: key)
        let bumpedKeys = CacheIndexKeys.generations(of: key)
        let generationKeys: [String]
        let snapshot: GenerationSnapshot?
        let name: String
        var lease: (key: String, token: String)?
        switch mode {
        case .set:
            try await registerWithForeignOwners(key, ttl: ttl)
            (generationKeys, snapshot, name) = (bumpedKeys, nil, "set")
        case .fill(let read, let token):
            (generationKeys, snapshot, name) = (bumpedKeys + CacheIndexKeys.patternMarkers(ofKey: key.rawValue, namespace: key.descriptor.namespace), read, "fill")
            lease = token.map { (CacheIndexKeys.lease(of: key), $0) }
        case .write(let read):
            (generationKeys, snapshot, name) = (bumpedKeys + CacheIndexKeys.patternMarkers(ofKey: key.rawValue, namespace: key.descriptor.namespace), read, "write")
        }
        // An unreadable snapshot compares as an incarnation no server has (a write then deletes).
        let expected: [any RESPArgument] = name == "set" ? [] : snapshot?.markers ?? generationKeys.map { _ in "" }
        let arguments: [any RESPArgument] = [
            bytes, Self.milliseconds(ttl), indexKeys.count, generationKeys.count, bumpedKeys.count, name, snapshot?.incarnation ?? "",
            Self.milliseconds(Self.generationLifetime),
        ] + expected + (lease.map { [$0.token] } ?? [])
        let keys = [key.rawValue] + indexKeys + generationKeys + (lease.map { [$0.key] } ?? [])
        let reply = try await runScript(CacheScripts.store, keys: keys, values: arguments, timeout: writeTimeout)
        if name != "fill" { try await bumpEach(CacheIndexKeys.foreignGenerations(of: key)) }
        return reply == .integer(1)
    }

    /// Reads the key with a snapshot of its generations (see ``CacheScripts/readGenerations``), within `timeout`.
    /// Returns the value's bytes (nil when absent or not a string) and the snapshot. First adds the key to the
    /// indexes of its owners in other slots, so that their invalidations, from now on, reach what it stores.
    func readGenerations<Value>(_ key: CacheKey<Value>, timeout: Duration) async throws -> (value: ByteBuffer?, snapshot: GenerationSnapshot) {
        try await registerWithForeignOwners(key, ttl: key.ttl, timeout: timeout)
        let generationKeys = CacheIndexKeys.checkedGenerations(of: key)
        let reply = try await runScript(CacheScripts.readGenerations, keys: [key.rawValue] + generationKeys, values: [], timeout: timeout)
        guard case .array(let items) = reply, items.count == 2 + generationKeys.count, let incarnation = try? items[1].text() else {
            throw RedisError(.protocolError, "the generations script did not answer with the key, the incarnation and \(generationKeys.count) markers")
        }
        let value = items[0] == .null ? nil : try items[0].bytes()
        let markers = try items.dropFirst(2).map { $0 == .null ? "" : try $0.text() }
        return (value, GenerationSnapshot(incarnation: incarnation, markers: markers))
    }

    /// Adds `key` to the index of each owner in another slot (``CacheScripts/register``), one command per owner.
    func registerWithForeignOwners<Value>(_ key: CacheKey<Value>, ttl: Duration, timeout: Duration? = nil) async throws {
        for owner in CacheIndexKeys.foreignOwners(of: key) {
            let index = CacheIndexKeys.index(owner, namespace: key.descriptor.namespace)
            let longest = max(ttl, key.ttl + (key.descriptor.freshness.staleWindow ?? .zero))
            _ = try await runScript(CacheScripts.register, keys: [index], values: [key.rawValue, Self.milliseconds(longest)], timeout: timeout ?? writeTimeout)
        }
    }

    /// Bumps generation markers of different slots, one command each.
    func bumpEach(_ generationKeys: [String]) async throws {
        for generation in generationKeys {
            _ = try await runScript(CacheScripts.bump, keys: [generation], values: [String(Self.milliseconds(Self.generationLifetime))], timeout: writeTimeout)
        }
    }

    /// Deletes a key, removes it from its owners' indexes and bumps its generations, in the key's slot, then bumps
    /// the markers of its owners in other slots: a `delete`, and the repair of a write or delete that failed.
    func deleteAndBump(key: String, indexKeys: [String], generationKeys: [String], foreignGenerationKeys: [String] = []) async throws -> Bool {
        let reply = try await runScript(
            CacheScripts.deleteAndBump, keys: [key] + indexKeys + generationKeys,
            values: [String(Self.milliseconds(Self.generationLifetime)), String(indexKeys.count)], timeout: writeTimeout)
        try await bumpEach(foreignGenerationKeys)
        return reply == .integer(1)
    }

    /// Bumps the pattern markers of a glob, one per slot (see ``CacheIndexKeys/patternMarkerPrefix(forGlob:namespace:)``),
    /// before a SCAN deletion of it starts: a fill that read its slot's marker before cannot store afterwards what
    /// the scan may already have passed. Sound because the caller changed the source first, so a fill reading a bumped
    /// marker loads the new data.
    ///
    /// Each marker is set to one fresh random token (a value no marker ever had, as the bump script's are) with plain
    /// `SET … PX`, pipelined: 16,384 commands, one write per node, a few tens of milliseconds of server time. SCAN
    /// deletions walk the whole keyspace anyway; the indexed invalidations that should carry the load bump nothing
    /// here.
    func bumpPatternGeneration(for glob: String, namespace: String?) async throws {
        try await bumpPatternMarkers(prefix: CacheIndexKeys.patternMarkerPrefix(forGlob: glob, namespace: namespace))
    }

    /// Bumps the 16,384 pattern markers under `prefix` (see ``bumpPatternGeneration(for:namespace:)``).
    func bumpPatternMarkers(prefix: String) async throws {
        let token = "p" + String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
        let lifetime = Self.milliseconds(Self.generationLifetime)
        let markers = CacheIndexKeys.patternMarkers(prefix: prefix)
        for start in stride(from: 0, to: markers.count, by: 4096) {
            let part = markers[start..<min(start + 4096, markers.count)]
            let results = try await client.batch(
                part.map { (command: RedisCommand("SET", $0, token, StaticString("PX"), lifetime), key: $0) }, timeout: writeTimeout)
            for result in results {
                let reply = try result.get()
                if let message = reply.errorMessage { throw RedisError.server(RedisServerError(message: message), address: nil) }
            }
        }
    }

    /// The longest TTL the runtime sends, in milliseconds: 2^53 - 1 (about 285,000 years). Redis itself accepts `PX`
    /// up to about 2^63 ms minus the current time, but the runtime's Lua scripts turn TTLs into Lua numbers (doubles,
    /// exact only up to 2^53), and `PEXPIRE` refuses the rounded value above 10^17 after the script's `SET` has
    /// already run: clamping here keeps a write from half-applying. Any TTL this long means "never expires" in practice.
    static let maximumMilliseconds = (1 << 53) - 1

    /// A TTL in whole milliseconds for `PX`, between 1 and ``maximumMilliseconds``, without overflowing for any
    /// `Duration` (a zero or negative TTL becomes 1 ms, as Redis refuses 0).
    static func milliseconds(_ duration: Duration, minimum: Int = 1) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return minimum }
        guard seconds < Int64(maximumMilliseconds / 1000) else { return maximumMilliseconds }
        return min(maximumMilliseconds, max(minimum, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)))
    }
}
