import CacheSchemaRedis

/// The Lua scripts that make writes and invalidations atomic. Loaded once, run by SHA1, reloaded after `NOSCRIPT`.
enum CacheScripts {
    /// Lua: `bump(key, lifetime)` sets a generation marker to a value it never had before and keeps it for
    /// `lifetime` ms: the server's clock in microseconds, or the current value plus one if that is larger (two bumps
    /// in one microsecond, or a clock that stepped back). A marker that expired therefore restarts above every value
    /// it ever had, so a fill that read it before cannot find "its" value again (no ABA). Markers written by older
    /// code (`INCR` from 1) are small integers, below any clock value. Scripts replicate by effects (Redis ≥ 5), so
    /// `TIME` is allowed before writes.
    ///
    /// `prune(index)`: removes from an index set up to three random members whose keys no longer exist, so that a
    /// set written once per store stays within a small factor of its live keys (see ``store``). Only members with the
    /// index's own hash tag are probed: a member of another slot (a key whose foreign owner this index belongs to, see
    /// ``CacheIndexKeys``) is out of a cluster script's reach; such members leave with the owner's invalidation or
    /// with the index's expiry.
    ///
    /// `tag(key)`: the text of a key's hash tag (its first `{…}`), as Redis Cluster hashes it.
    ///
    /// `release(lease, token)`: a fill lease (see ``acquireLease``) that `token` holds becomes `released` for a
    /// second, so that the processes waiting for its value stop waiting and load themselves.
    ///
    /// `incarnation()`: the server process's `run_id`, new at every start and different on every node. A check that
    /// compares it too cannot be fooled by markers that a restart without persistence (or a failover to a replica that
    /// missed the last writes) erased or rolled back: the markers read before are then from another incarnation.
    private static let helpers = """
        local function bump(key, lifetime)
          local clock = redis.call('TIME')
          local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
          local current = tonumber(redis.call('GET', key) or '') or 0
          redis.call('SET', key, string.format('%.0f', math.max(now, current + 1)), 'PX', lifetime)
        end
        local function tag(key)
          return string.match(key, '{(.-)}')
        end
        local function prune(index)
          local own = tag(index)
          for _, member in ipairs(redis.call('SRANDMEMBER', index, 3)) do
            if tag(member) == own and redis.call('EXISTS', member) == 0 then redis.call('SREM', index, member) end
          end
        end
        local function incarnation()
          return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
        end
        local function release(lease, token)
          if redis.call('GET', lease) == token then redis.call('SET', lease, 'released', 'PX', 1000) end
        end

        """

    /// Reads a key, the server's incarnation and generation markers in one step, read-only (`EVALSHA_RO`, which a
    /// failover's `CLIENT PAUSE WRITE` lets through): what a fill, or a write-through before its update, compares
    /// with when it stores.
    ///
    /// KEYS: the key, then the generation keys. Returns the value (nil when absent or not a string), the incarnation,
    /// then one marker per generation key (nil when absent).
    static let readGenerations = RedisScript(helpers + """
        local value = redis.pcall('GET', KEYS[1])
        if type(value) == 'table' then value = false end
        local reply = {value, incarnation()}
        for i = 2, #KEYS do reply[#reply + 1] = redis.call('GET', KEYS[i]) end
        return reply
        """, readOnly: true)

    /// Stores a value and indexes it under its owners, in one of three modes (ARGV[6]):
    /// - `set`: unconditionally, bumping the generations (`set`: the caller's write is the latest);
    /// - `fill`: only if the incarnation and every checked generation are what the fill read before loading, bumping
    ///   nothing (a cache-aside fill);
    /// - `write`: if they are unchanged, store and bump; otherwise another write, delete or invalidation ran between
    ///   this write-through's read and now, so which value is newer is unknown: delete the key instead, and bump
    ///   (a write-through after its update).
    ///
    /// A `fill` may also name the fill lease of the key (see ``acquireLease``) and its token: it is refused while
    /// another process holds the lease (that one's load started later), and it ends its own lease: deleted once the
    /// value is stored, `released` when the store is refused. A fill without a lease of its own passes the token `-`.
    ///
    /// KEYS: the key, then n index keys (one per owner), then m generation keys, of which the first b are bumped (the
    /// owners' markers, or the key's own; the rest are pattern markers, see
    /// ``CacheIndexKeys/checkedGenerations(of:)``), then, for a fill with a lease token, the lease. ARGV: value, TTL
    /// in ms, n, m, b, mode, the expected incarnation, the generation lifetime in ms, then the m expected generations
    /// ("" for absent) unless the mode is `set`, then the lease token, if any. Returns 1 when stored, 0 when refused
    /// (`fill`) or deleted (`write`).
    ///
    /// Each store also prunes its indexes (`prune`): k = 3 random probes remove about k × (dead fraction) expired
    /// members per store, and a store adds at most one member. Even when every store adds one, the two balance at a
    /// dead fraction near 1/k, so an index settles near k/(k-1) = 1.5 times its live keys (an index no store touches
    /// any more expires with its longest-lived member).
    static let store = RedisScript(helpers + """
        local n = tonumber(ARGV[3])
        local m = tonumber(ARGV[4])
        local b = tonumber(ARGV[5])
        local mode = ARGV[6]
        local lifetime = ARGV[8]
        local token = mode == 'fill' and ARGV[9 + m] or nil
        local lease = KEYS[2 + n + m]
        if token then
          local holder = redis.call('GET', lease)
          if holder and holder ~= token and string.sub(holder, 1, 1) == 't' then return 0 end
        end
        if mode ~= 'set' then
          local unchanged = incarnation() == ARGV[7]
          for i = 1, m do
            if not unchanged then break end
            unchanged = (redis.call('GET', KEYS[1 + n + i]) or '') == ARGV[8 + i]
          end
          if not unchanged then
            if mode == 'fill' then
              if token then release(lease, token) end
              return 0
            end
            redis.call('UNLINK', KEYS[1])
            for i = 1, n do redis.call('SREM', KEYS[1 + i], KEYS[1]) end
            for i = 1, b do bump(KEYS[1 + n + i], lifetime) end
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        local ttl = tonumber(ARGV[2])
        for i = 1, n do
          redis.call('SADD', KEYS[1 + i], KEYS[1])
          if redis.call('PTTL', KEYS[1 + i]) < ttl then redis.call('PEXPIRE', KEYS[1 + i], ttl) end
          prune(KEYS[1 + i])
        end
        if mode ~= 'fill' then
          for i = 1, b do bump(KEYS[1 + n + i], lifetime) end
        end
        if token and redis.call('GET', lease) == token then redis.call('DEL', lease) end
        return 1
        """)

    /// Takes the fill lease of a key whose read missed, unless the key has a value meanwhile: one process per key
    /// loads it, the others wait for its value (see ``CacheFillLease``). A lease is a random token (`t…`) with an
    /// expiry, so a holder that dies loses it; `released` (see `release`) tells waiters the holder gave up.
    ///
    /// KEYS: the key, its lease. ARGV: the token, the lease's duration in ms, and `1` when the key's current value is
    /// unusable to the caller (another type or envelope: it is then ignored). Returns `{value}` when the key has a
    /// usable value, else `{false, state}` with state `acquired` (the caller holds the lease, also when it held it
    /// already), `held` (another process does) or `released`.
    static let acquireLease = RedisScript("""
        local value = redis.pcall('GET', KEYS[1])
        if type(value) == 'string' and ARGV[3] ~= '1' then return {value} end
        local holder = redis.call('GET', KEYS[2])
        if not holder or holder == ARGV[1] then
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
          return {false, 'acquired'}
        end
        if string.sub(holder, 1, 1) ~= 't' then return {false, 'released'} end
        return {false, 'held'}
        """)

    /// Gives up a fill lease without storing (the loader found nothing or failed): see `release`.
    ///
    /// KEYS: the lease. ARGV: the token.
    static let releaseLease = RedisScript(helpers + """
        release(KEYS[1], ARGV[1])
        return 1
        """)

    /// Bumps an instance's generation marker and deletes its indexed keys, its exact keys and its index, in one step
    /// in the instance's slot. Indexed keys of another hash tag (keys this instance owns through a related pattern,
    /// see ``CacheIndexKeys``) are out of a cluster script's reach: they are returned for the caller to delete slot by
    /// slot.
    ///
    /// KEYS: index key, then g generation keys, then exact keys. ARGV: generation lifetime in ms, g. Returns an array:
    /// the number of keys removed (the index itself not counted), then the members of other slots.
    static let invalidate = RedisScript(helpers + """
        local g = tonumber(ARGV[2])
        for i = 2, 1 + g do bump(KEYS[i], ARGV[1]) end
        local own = tag(KEYS[1])
        local removed = 0
        local reply = {0}
        local batch = {}
        for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          if tag(member) == own then
            batch[#batch + 1] = member
            if #batch == 500 then
              removed = removed + redis.call('UNLINK', unpack(batch))
              batch = {}
            end
          else
            reply[#reply + 1] = member
          end
        end
        if #batch > 0 then removed = removed + redis.call('UNLINK', unpack(batch)) end
        for i = 2 + g, #KEYS do removed = removed + redis.call('UNLINK', KEYS[i]) end
        redis.call('UNLINK', KEYS[1])
        reply[1] = removed
        return reply
        """)

    /// Adds a key to the index of an owner in another slot, before the key's fill or write reads its snapshot (see
    /// ``CacheIndexKeys``), and keeps the index at least as long as the key.
    ///
    /// KEYS: the index. ARGV: the key, its TTL in ms.
    static let register = RedisScript("""
        redis.call('SADD', KEYS[1], ARGV[1])
        if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 1
        """)

    /// Deletes a key, removes it from its owners' indexes and bumps its generations (a load that started before must
    /// not store its older result): a `delete`, and the repair of a write that failed after the source changed.
    ///
    /// KEYS: the key, then n index keys, then its generation keys (its owners', or its own). ARGV: generation
    /// lifetime in ms, then n (absent: 0, for callers that pass no indexes). Returns 1 if the key existed.
    static let deleteAndBump = RedisScript(helpers + """
        local n = tonumber(ARGV[2] or '0')
        local removed = redis.call('UNLINK', KEYS[1])
        for i = 2, 1 + n do redis.call('SREM', KEYS[i], KEYS[1]) end
        for i = 2 + n, #KEYS do bump(KEYS[i], ARGV[1]) end
        return removed
        """)

    /// Bumps generation markers of one slot: a foreign owner's, after a write or delete of a key it owns.
    ///
    /// KEYS: the markers. ARGV: generation lifetime in ms.
    static let bump = RedisScript(helpers + """
        for i = 1, #KEYS do bump(KEYS[i], ARGV[1]) end
        return 1
        """)
}
