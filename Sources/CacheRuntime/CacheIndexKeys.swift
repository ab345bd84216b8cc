import CacheSchemaRedis

/// The runtime's own keys, under the reserved `~` segment that no schema key can produce (literals cannot contain
/// `~` and encoded values escape it). Each carries a Redis Cluster hash tag, so that it shares a slot with the keys
/// it serves and one script can touch them together (see the README's "Key layout and hash tags"):
///
/// - `<namespace>:~idx:<entity>:{<hash tag>}`: a set of the concrete keys written for an entity instance, so that
///   invalidation costs the number of those keys, not the size of the keyspace. Stores prune members whose keys
///   expired, so it stays within a small factor of the instance's live keys.
/// - `<namespace>:~gen:<entity>:{<hash tag>}`: a generation marker bumped by every write and invalidation of the
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
///
/// - `<namespace>:~lease:<key>`: the fill lease of a key (see ``CacheFillLease``): the token of the process loading it,
///   with a short expiry, or `released` for a moment after a holder gave up. The key's hash tag is its first, so it
///   shares the key's slot and the store script checks it together with the key.
///
/// A key reached by another entity's related pattern has that entity's instance among its owners; when its identity
/// differs, so does its tag, and its index and marker lie in another slot (a "foreign" owner). A fill or write then
/// first adds the key to the foreign owner's index (before it reads its snapshot), and the owner's invalidation
/// deletes such members slot by slot, bumping the pattern marker of each member's slot first: a fill that read
/// before cannot store behind it (README, "The guarantee for stale reads").
enum CacheIndexKeys {
    static func index(_ instance: CacheEntityInstance, namespace: String?) -> String {
        qualify("~idx:\(instance.entity):{\(instance.hashTag)}", namespace)
    }

    static func generation(_ instance: CacheEntityInstance, namespace: String?) -> String {
        qualify("~gen:\(instance.entity):{\(instance.hashTag)}", namespace)
    }

    /// The owners whose index and marker share the key's hash tag, so one script touches them with the key: every
    /// owner but those reached through another entity's related pattern with another identity.
    static func localOwners<Value>(of key: CacheKey<Value>) -> [CacheEntityInstance] {
        let tag = RedisClusterSlot.hashTag(of: key.rawValue)
        return key.owners.filter { $0.hashTag[...] == tag }
    }

    /// The owners in other slots (see ``localOwners(of:)``): their indexes and markers are written by separate
    /// commands, slot by slot.
    static func foreignOwners<Value>(of key: CacheKey<Value>) -> [CacheEntityInstance] {
        let tag = RedisClusterSlot.hashTag(of: key.rawValue)
        return key.owners.filter { $0.hashTag[...] != tag }
    }

    /// The index sets a write of `key` adds it to in its own script: one per local owner.
    static func indexes<Value>(of key: CacheKey<Value>) -> [String] {
        localOwners(of: key).map { index($0, namespace: key.descriptor.namespace) }
    }

    /// The generation markers a write or delete of `key` bumps in its own script: its local owners', or its own when
    /// it has none.
    static func generations<Value>(of key: CacheKey<Value>) -> [String] {
        let namespace = key.descriptor.namespace
        let owners = localOwners(of: key)
        if !owners.isEmpty { return owners.map { generation($0, namespace: namespace) } }
        return [qualify("~kgen:\(localPart(of: key))", namespace)]
    }

    /// The fill lease of `key` (see ``CacheFillLease``).
    static func lease<Value>(of key: CacheKey<Value>) -> String {
        qualify("~lease:\(localPart(of: key))", key.descriptor.namespace)
    }

    /// The key without its namespace's prefix.
    private static func localPart<Value>(of key: CacheKey<Value>) -> Substring {
        var local = Substring(key.rawValue)
        if let namespace = key.descriptor.namespace, local.hasPrefix(namespace + ":") { local = local.dropFirst(namespace.count + 1) }
        return local
    }

    /// The generation markers of the foreign owners, bumped one by one after a write or delete of `key`.
    static func foreignGenerations<Value>(of key: CacheKey<Value>) -> [String] {
        foreignOwners(of: key).map { generation($0, namespace: key.descriptor.namespace) }
    }

    /// The markers a fill of `key` reads before loading and checks before storing: the ones its writes bump in its
    /// own script, and the pattern markers of its slot, which SCAN-based deletions and invalidations of its foreign
    /// owners bump.
    static func checkedGenerations<Value>(of key: CacheKey<Value>) -> [String] {
        generations(of: key) + patternMarkers(ofKey: key.rawValue, namespace: key.descriptor.namespace)
    }

    /// The pattern markers in the slot of the concrete key `key`: its namespace's, or, without a namespace, the one
    /// of its first segment and the global one.
    static func patternMarkers(ofKey key: String, namespace: String?) -> [String] {
        let marker = patternMarker + "{" + CacheSlotTags.tag(forSlot: RedisClusterSlot.of(key)) + "}"
        if let namespace { return [qualify(marker, namespace)] }
        // Bytes, as the glob side counts them (a `:` followed by a combining mark is one Character).
        let segment = String(decoding: key.utf8.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self)
        return [qualify(marker, markerFamily(ofSegment: segment)), marker]
    }

    /// The name of the pattern markers of keys (or globs) without a namespace whose first segment is `segment`: the
    /// segment itself, except that a hash tag the segment opens and does not close (`{stats` of `{stats:global}`) loses
    /// its `{`. Otherwise the marker's own tag would be cut open too (`{stats:~pgen:{a3t}` hashes `stats:~pgen:{a3t`)
    /// and the marker would not share its key's slot: on a cluster the fill's script would be refused (CROSSSLOT).
    /// Keys with a closed tag there (`{config}:flags`) keep their name, as before.
    static func markerFamily(ofSegment segment: String) -> String {
        guard segment.utf8.contains(UInt8(ascii: "{")), !segment.utf8.contains(UInt8(ascii: "}")) else { return segment }
        return String(decoding: segment.utf8.filter { $0 != UInt8(ascii: "{") }, as: UTF8.self)
    }

    /// What the pattern markers a SCAN deletion of a glob bumps start with (`shop:~pgen:`); one per slot follows (see
    /// ``patternMarkers(prefix:)``), so that every fill of a key the glob can match is refused. With the glob's
    /// namespace known (an invalidation's, ``CacheGlob/init(namespace:)``), that namespace's; otherwise the glob's
    /// first segment names them, which is the namespace when that has no `:`, and a key's first segment when keys have
    /// no namespace; a glob with a wildcard there gives `~pgen:`.
    static func patternMarkerPrefix(forGlob glob: String, namespace: String?) -> String {
        if let namespace { return qualify(patternMarker, namespace) }
        return CacheGlob.literalFirstSegment(of: glob).map { qualify(patternMarker, markerFamily(ofSegment: $0)) } ?? patternMarker
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
