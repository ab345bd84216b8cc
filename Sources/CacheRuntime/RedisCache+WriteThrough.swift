extension RedisCache {
    /// Write-through: runs `update` against the source of truth, then stores its result under `key`, so that the
    /// cache holds the new value at once. If `update` throws, the cache is untouched.
    ///
    /// - Throws: `update`'s error; or, when the source was updated but the cache could not be written,
    ///   ``CacheWriteThroughError`` carrying `update`'s result. The cache then deletes the key as soon as Redis
    ///   allows (the old value must not come back) and does not read it until then; the caller can answer with the
    ///   result and report the cache failure.
    public func writeThrough<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration? = nil,
        update: @Sendable () async throws -> Value
    ) async throws -> Value {
        let value = try await update()
        do {
            try await set(key, value, ttl: ttl)
        } catch let error as CacheError {
            throw CacheWriteThroughError(result: value, cacheError: error)
        }
        return value
    }

    /// Delete-through: runs `delete` against the source of truth, then carries out the invalidation (the entity's
    /// keys and related keys), as the founding document's `delete_user` does.
    ///
    /// - Throws: `delete`'s error; or, when the source was changed but the invalidation failed,
    ///   ``CacheWriteThroughError`` carrying `delete`'s result. The invalidation is then retried as soon as Redis
    ///   allows, and the instance's keys are not read until it succeeds.
    public func deleteThrough<Result: Sendable>(
        _ invalidation: CacheInvalidation,
        delete: @Sendable () async throws -> Result
    ) async throws -> Result {
        let result = try await delete()
        do {
            try await invalidate(invalidation)
        } catch let error as CacheError {
            throw CacheWriteThroughError(result: result, cacheError: error)
        }
        return result
    }
}

/// The source of truth was changed, but the cache could not follow: `writeThrough` could not store the new value, or
/// `deleteThrough` could not invalidate.
///
/// The change itself succeeded: ``result`` is what the update returned. The cache has recorded a repair (see
/// ``RedisCache/pendingRepairCount``), so the old value is deleted as soon as Redis allows and is not read meanwhile.
/// A request handler can usually answer with ``result`` and report the cache failure in a header or a metric.
public struct CacheWriteThroughError<Result: Sendable>: Error, Sendable, CustomStringConvertible {
    /// What the update of the source of truth returned.
    public let result: Result
    /// Why the cache could not be updated.
    public let cacheError: CacheError

    /// What failed, for logs; names the schema key, never the value.
    public var description: String {
        "the source was updated but the cache was not (\(cacheError)); the old cache entry will be deleted when Redis allows"
    }
}
