import CacheSchemaRedis

/// The runtime's own keys, under the reserved `~` segment that no schema key can produce (literals cannot contain
/// `~` and encoded values escape it):
///
/// - `<namespace>:~idx:<entity>:<identity>`: a set of the concrete keys written for an entity instance, so that
///   invalidation costs the number of those keys, not the size of the keyspace. Stores prune members whose keys
///   expired, so it stays within a small factor of the instance's live keys.
/// - `<namespace>:~gen:<entity>:<identity>`: a generation marker bumped by every write and invalidation of the
///   instance, so that a cache-aside load that read the cache before them does not store its older result. Its values
///   never repeat (see ``CacheScripts``).
/// - `<namespace>:~kgen:<key>`: the same marker for a key that no entity instance owns (such as `userByEmail` in
///   the reference schema), bumped by its writes and deletes.
/// - `<namespace>:~pgen:{<slot tag>}`: the namespace's pattern markers, one per Redis Cluster hash slot (the tag
///   hashes to the slot, see ``CacheSlotTags``), so that each shares a slot with the keys it fences. A fill checks
///   the one of its key's slot; a SCAN-based deletion (`deletePattern`, related patterns no index covers) bumps all
///   16,384 before it starts, since such a deletion can reach keys that no index and no owner's marker tie to the
///   invalidated instance. Keys without a namespace check `<first segment>:~pgen:{<slot tag>}` (the segment before
///   their first `:`) and `~pgen:{<slot tag>}` (bumped by a glob whose first segment has a wildcard) instead.
enum CacheIndexKeys {
    static func index(_ instance: CacheEntityInstance, namespace: String?) -> String {
        qualify("~idx:\(instance.entity):\(instance.identity)", namespace)
    }

    static func generation(_ instance: CacheEntityInstance, namespace: String?) -> String {
        qualify("~gen:\(instance.entity):\(instance.identity)", namespace)
    }

    /// The index sets a write of `key` adds it to: one per owner.
    static func indexes<Value>(of key: CacheKey<Value>) -> [String] {
        key.owners.map { index($0, namespace: key.descriptor.namespace) }
    }

    /// The generation markers a write or delete of `key` bumps: its owners', or its own when it has no owner.
    static func generations<Value>(of key: CacheKey<Value>) -> [String] {
        let namespace = key.descriptor.namespace
        if !key.owners.isEmpty { return key.owners.map { generation($0, namespace: namespace) } }
        var local = Substring(key.rawValue)
        if let namespace, local.hasPrefix(namespace + ":") { local = local.dropFirst(namespace.count + 1) }
        return [qualify("~kgen:\(local)", namespace)]
    }

    /// The markers a fill of `key` reads before loading and checks before storing: the ones its writes bump, and the
    /// pattern marker of its slot that SCAN-based deletions reaching it bump.
    static func checkedGenerations<Value>(of key: CacheKey<Value>) -> [String] {
        let marker = patternMarker + "{" + CacheSlotTags.tag(forSlot: RedisClusterSlot.of(key.rawValue)) + "}"
        if let namespace = key.descriptor.namespace { return generations(of: key) + [qualify(marker, namespace)] }
        // Bytes, as the glob side counts them (a `:` followed by a combining mark is one Character).
        let segment = String(decoding: key.rawValue.utf8.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self)
        return generations(of: key) + [qualify(marker, segment), marker]
    }

    /// The pattern markers a SCAN deletion of `glob` bumps before it starts, one per slot, so that every fill of a
    /// key it can match is refused. With the glob's namespace known (an invalidation's, ``CacheGlob/init(namespace:)``),
    /// that namespace's markers; otherwise the glob's first segment names them, which is the namespace when that has
    /// no `:`, and a key's first segment when keys have no namespace; a glob with a wildcard there bumps `~pgen:{…}`.
    static func patternMarkers(forGlob glob: String, namespace: String?) -> [String] {
        patternMarkers(prefix: patternMarkerPrefix(forGlob: glob, namespace: namespace))
    }

    /// What the pattern markers of a glob's deletion start with (`shop:~pgen:`); every glob of one namespace shares it.
    static func patternMarkerPrefix(forGlob glob: String, namespace: String?) -> String {
        if let namespace { return qualify(patternMarker, namespace) }
        return CacheGlob.literalFirstSegment(of: glob).map { qualify(patternMarker, $0) } ?? patternMarker
    }

    /// The 16,384 pattern markers under `prefix`, one per slot.
    static func patternMarkers(prefix: String) -> [String] {
        CacheSlotTags.all.map { prefix + "{" + $0 + "}" }
    }

    private static let patternMarker = "~pgen:"

    private static func qualify(_ key: String, _ namespace: String?) -> String {
        namespace.map { "\($0):\(key)" } ?? key
    }
}
