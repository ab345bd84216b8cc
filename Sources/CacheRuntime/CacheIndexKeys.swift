/// The runtime's own keys, under the reserved `~` segment that no schema key can produce (literals cannot contain
/// `~` and encoded values escape it):
///
/// - `<namespace>:~idx:<entity>:<identity>`: a set of the concrete keys written for an entity instance, so that
///   invalidation costs the number of those keys, not the size of the keyspace.
/// - `<namespace>:~gen:<entity>:<identity>`: a counter bumped by every write and invalidation of the instance, so
///   that a cache-aside load that read the cache before them does not store its older result.
enum CacheIndexKeys {
    static func index(_ instance: CacheEntityInstance, namespace: String?) -> String {
        qualify("~idx:\(instance.entity):\(instance.identity)", namespace)
    }

    static func generation(_ instance: CacheEntityInstance, namespace: String?) -> String {
        qualify("~gen:\(instance.entity):\(instance.identity)", namespace)
    }

    private static func qualify(_ key: String, _ namespace: String?) -> String {
        namespace.map { "\($0):\(key)" } ?? key
    }
}
