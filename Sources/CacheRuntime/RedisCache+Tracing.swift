import CacheSchemaRedis
import Tracing

/// How a cache read ended, as its span says (`cache.outcome`).
enum CacheOutcome: String, Sendable {
    /// From Redis.
    case hit
    /// From the loader after a miss.
    case miss
    /// From the loader because Redis could not be read.
    case bypass
    /// From Redis, a value in its stale window, refreshed in the background.
    case stale
    /// From process memory (the near cache).
    case near
}

/// The attributes of the cache's spans. Never a concrete key, a parameter value or a cached value: spans name the
/// schema key or entity, like metrics and logs.
enum CacheSpanAttribute {
    /// The schema key's name (`user`).
    static let key = "cache.key"
    /// The entity's name, for invalidations (`user`).
    static let entity = "cache.entity"
    /// How a read ended: `hit`, `miss`, `bypass`, `stale` or `near`.
    static let outcome = "cache.outcome"
    /// How many keys an invalidation deleted.
    static let deleted = "cache.deleted"
    /// OpenTelemetry's database attributes: the system and the server (its first seed on a cluster).
    static let system = "db.system.name"
    static let serverAddress = "server.address"
    static let serverPort = "server.port"
}

extension RedisCache {
    /// Runs `operation` in a client span named `"<operation> <key name>"` (`getOrSet user`), with the key's name and the
    /// Redis server as attributes; an error thrown is recorded on the span. `body` gets `nil` when no tracer is set up.
    func traced<Value, Result>(
        _ operation: String, key: CacheKey<Value>, _ body: (_ span: (any Span)?) async throws -> Result
    ) async throws -> Result {
        try await traced(operation, name: key.name, attribute: CacheSpanAttribute.key, body)
    }

    /// The same for an entity's invalidation: `"invalidate user"`.
    func traced<Result>(
        _ operation: String, entity: String, _ body: (_ span: (any Span)?) async throws -> Result
    ) async throws -> Result {
        try await traced(operation, name: entity, attribute: CacheSpanAttribute.entity, body)
    }

    private func traced<Result>(
        _ operation: String, name: String, attribute: String, _ body: (_ span: (any Span)?) async throws -> Result
    ) async throws -> Result {
        guard let tracer = activeTracer else { return try await body(nil) }
        return try await tracer.withAnySpan("\(operation) \(name)", ofKind: .client) { span in
            span.attributes[attribute] = name
            span.attributes[CacheSpanAttribute.system] = "redis"
            span.attributes[CacheSpanAttribute.serverAddress] = client.configuration.host
            span.attributes[CacheSpanAttribute.serverPort] = client.configuration.port
            return try await body(span)
        }
    }
}
