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

    /// The generation markers a write of `key` bumps and a fill of it checks: its owners', or its own when it has no
    /// owner.
    static func generations<Value>(of key: CacheKey<Value>) -> [String] {
        let namespace = key.descriptor.namespace
        if !key.owners.isEmpty { return key.owners.map { generation($0, namespace: namespace) } }
        var local = Substring(key.rawValue)
        if let namespace, local.hasPrefix(namespace + ":") { local = local.dropFirst(namespace.count + 1) }
        return [qualify("~kgen:\(local)", namespace)]
    }

    private static func qualify(_ key: String, _ namespace: String?) -> String {
        namespace.map { "\($0):\(key)" } ?? key
    }
}
