import Foundation

/// The service's settings, from the environment.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `PORT` | `8080` | the HTTP port (`0`: any free port; the log says which) |
/// | `HOST` | `127.0.0.1` | the address to listen on |
/// | `DATABASE_PATH` | `shop.sqlite` in the working directory | the SQLite file; created and seeded when missing |
/// | `REDIS_URL` | `redis://127.0.0.1:6379` if a Redis answers there, else a private `redis-server` | the cache |
/// | `REDIS_CLUSTER_NODES` | unset | `host:port,host:port,…`: seed nodes of a Redis Cluster to cache in instead of one Redis (`REDIS_URL`, when also set, then gives only the credentials and TLS) |
/// | `CACHE_BYPASS` | unset | `1`: no Redis at all; every read goes to SQLite (`X-Cache: bypass`) — the load run's baseline |
/// | `CACHE_NEAR` | `1` | `0`: keys the schema near-caches are read from Redis like the others (no values in process memory, no tracking connections) — a switch for an incident, without a new build |
/// | `SQLITE_READ_DELAY_MS` | `0` | a delay added to every SQLite read, standing in for a database across a network (load runs) |
/// | `CACHE_READ_TIMEOUT_MS` | `250` | the deadline of a cache read; past it the read answers from SQLite (`X-Cache: bypass`) |
/// | `CACHE_WRITE_TIMEOUT_MS` | `1000` | the deadline of a cache write or invalidation; past it `X-Cache-Write: failed` |
/// | `LOG_LEVEL` | `info` | `trace`, `debug`, `info`, `notice`, `warning`, `error` |
struct Configuration: Sendable {
    var host: String
    var port: Int
    var databasePath: String
    /// `nil`: not set.
    var redisURL: String?
    /// Seed nodes (`host:port`) of a Redis Cluster; `nil`: one Redis at `redisURL`.
    var redisClusterNodes: [String]?
    var cacheBypass: Bool
    /// Whether the schema's near caches hold values in process memory (`RedisCache(nearCaching:)`).
    var nearCaching: Bool
    var readDelay: Duration
    /// The runtime's read deadline (`RedisCache(readTimeout:)`): short, so that a slow Redis costs little.
    var cacheReadTimeout: Duration
    /// The runtime's deadline of writes and invalidations (`RedisCache(writeTimeout:)`).
    var cacheWriteTimeout: Duration
    var logLevel: String

    static let defaultRedisURL = "redis://127.0.0.1:6379"

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> Configuration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var port = 8080
        if let text = value("PORT") {
            guard let number = Int(text), (0...65535).contains(number) else { throw Invalid(description: "PORT must be a number from 0 to 65535, not '\(text)'") }
            port = number
        }
        var readDelay = 0
        if let text = value("SQLITE_READ_DELAY_MS") {
            guard let number = Int(text), (0...1000).contains(number) else {
                throw Invalid(description: "SQLITE_READ_DELAY_MS must be a number of milliseconds from 0 to 1000, not '\(text)'")
            }
            readDelay = number
        }
        func milliseconds(_ name: String, default defaultValue: Int) throws(Invalid) -> Duration {
            guard let text = value(name) else { return .milliseconds(defaultValue) }
            guard let number = Int(text), (1...600_000).contains(number) else {
                throw Invalid(description: "\(name) must be a number of milliseconds from 1 to 600000, not '\(text)'")
            }
            return .milliseconds(number)
        }
        func flag(_ name: String, default defaultValue: Bool) throws(Invalid) -> Bool {
            switch value(name) {
            case nil: return defaultValue
            case "1", "true": return true
            case "0", "false": return false
            case let text?: throw Invalid(description: "\(name) must be 1 or 0, not '\(text)'")
            }
        }
        return Configuration(
            host: value("HOST") ?? "127.0.0.1",
            port: port,
            databasePath: value("DATABASE_PATH") ?? "shop.sqlite",
            redisURL: value("REDIS_URL"),
            redisClusterNodes: value("REDIS_CLUSTER_NODES").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } },
            cacheBypass: try flag("CACHE_BYPASS", default: false),
            nearCaching: try flag("CACHE_NEAR", default: true),
            readDelay: .milliseconds(readDelay),
            cacheReadTimeout: try milliseconds("CACHE_READ_TIMEOUT_MS", default: 250),
            cacheWriteTimeout: try milliseconds("CACHE_WRITE_TIMEOUT_MS", default: 1_000),
            logLevel: value("LOG_LEVEL") ?? "info")
    }
}
