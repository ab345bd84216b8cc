/// How invalidating one instance of an entity reaches one of the entity's own keys.
///
/// The one statement of the rule: the generator renders `CacheInvalidations` from it at build time, and
/// ``CacheSchemaDescription/invalidation(entity:identity:)`` applies it at run time, so that both delete the same keys.
public enum CacheInvalidationRoute: Sendable, Hashable {
    /// Every placeholder of the key is part of the identity: the instance's key is deleted by its concrete name.
    case exactKey
    /// The key has placeholders beyond the identity (a page number): the instance's keys are deleted by this glob, the
    /// key pattern with those placeholders replaced by `*` (written out with the key's hash tag by
    /// ``CacheKeyLayout/replacingPlaceholders(notIn:)``).
    case glob(CachePattern)
    /// The key pattern lacks these identity parameters, so no glob narrows to one instance (a glob over the missing
    /// part would delete every instance's keys): invalidation leaves the key alone, and the generator warns about it.
    case unreachable(missing: [String])

    /// The route for a key with this pattern, of an entity whose identity parameters have these names.
    public init(keyPattern: CachePattern, identity: [String]) {
        let placeholders = Set(keyPattern.placeholders)
        let missing = identity.filter { !placeholders.contains($0) }
        if !missing.isEmpty {
            self = .unreachable(missing: missing)
        } else if placeholders.isSubset(of: identity) {
            self = .exactKey
        } else {
            self = .glob(keyPattern.replacingPlaceholders(notIn: Set(identity)))
        }
    }
}
