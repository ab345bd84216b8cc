extension RedisCache {
    /// Write-through: runs `update` against the source of truth, then stores its result under `key`, so that the
    /// cache holds the new value at once. If `update` throws, the cache is untouched.
    ///
    /// Safe with concurrent writers of the key in any number of processes: before `update` runs, the cache takes a
    /// snapshot of the key's generation markers; the store happens only if no other write, delete or invalidation of
    /// the key (or its entity) bumped them meanwhile. If one did, which of the two values is newer cannot be known
    /// here, so the key is deleted instead (and the markers bumped), and the next read loads the source's latest.
    /// The cost: one more round trip (a read-only script) before `update`. ``set(_:_:ttl:)`` stores unconditionally:
    /// use it only where one writer owns the key.
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
        try await traced("writeThrough", key: key) { _ in try await writeThroughUntraced(key, ttl: ttl, update: update) }
    }

    private func writeThroughUntraced<Value: Codable & Sendable>(
        _ key: CacheKey<Value>,
        ttl: Duration?,
        update: @Sendable () async throws -> Value
    ) async throws -> Value {
        let before = await snapshotBeforeWrite(key)
        let value = try await update()
        supersedeFlights(of: key)
        defer { dropNear([key.rawValue], name: key.name) }
        do {
            let bytes = try encode(value, for: key)
            let mode: StoreMode = skipsGenerationChecks ? .set : .write(before)
            if try await store(bytes, key: key, ttl: ttl ?? key.ttl, mode: mode) == false {
                logger.debug("another write of the key ran during this write-through; deleted the key instead of storing", metadata: ["key": "\(key.name)"])
            }
        } catch {
            metrics.forKey(key.name).errors.increment()
            recordKeyRepair(key)
            throw CacheWriteThroughError(result: value, cacheError: CacheError.wrapping(error, name: key.name, doing: "write"))
        }
        return value
    }

    /// The generations of `key` before a write-through's update, or `nil` when Redis cannot say (the write then
    /// deletes the key instead of storing: safe without knowing what else ran).
    private func snapshotBeforeWrite<Value>(_ key: CacheKey<Value>) async -> GenerationSnapshot? {
        do {
            return try await readGenerations(key, timeout: writeTimeout).snapshot
        } catch {
            logger.debug("could not read the generations before a write-through; it will delete the key instead of storing", metadata: ["key": "\(key.name)", "error": "\(error)"])
            return nil
        }
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
        try await traced("deleteThrough", entity: invalidation.instance.entity) { _ in
            let result = try await delete()
            do {
                try await invalidate(invalidation)
            } catch let error as CacheError {
                throw CacheWriteThroughError(result: result, cacheError: error)
            }
            return result
        }
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
