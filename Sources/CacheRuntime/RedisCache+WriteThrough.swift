extension RedisCache {
    /// Write-through: runs `update` against the source of truth, then stores its result under `key`, so that the
    /// cache holds the new value at once. If `update` throws, the cache is untouched.
    ///
    /// - Throws: `update`'s error, or ``CacheError`` when the cache could not be written (the source was updated;
    ///   the caller should invalidate or accept staleness up to the TTL).
    public func writeThrough<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration? = nil,
        update: @Sendable () async throws -> Value
    ) async throws -> Value {
        let value = try await update()
        try await set(key, value, ttl: ttl)
        return value
    }

    /// Delete-through: runs `delete` against the source of truth, then carries out the invalidation (the entity's
    /// keys and related keys), as the founding document's `delete_user` does.
    public func deleteThrough<Result: Sendable>(
        _ invalidation: CacheInvalidation,
        delete: @Sendable () async throws -> Result
    ) async throws -> Result {
        let result = try await delete()
        try await invalidate(invalidation)
        return result
    }
}
