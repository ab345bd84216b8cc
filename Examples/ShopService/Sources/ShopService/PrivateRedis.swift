import CacheSchemaLocalRedis
import Logging

/// Which Redis a newcomer's service uses when `REDIS_URL` is not set: a Redis on 127.0.0.1:6379 if one answers (the
/// documented default), else a `redis-server` of its own (`CacheSchemaLocalRedis`: a free loopback port, no
/// persistence, a temporary folder; stopped when the service exits, and killed with it if it is killed), else none.
enum PrivateRedis {
    /// The outcome: the URL to use, and the server to stop on exit when one was started.
    struct Choice {
        var url: String
        var server: LocalRedisServer?
    }

    /// Why there is no Redis to use, with what to do.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static func choose(logger: Logger) async throws(Unavailable) -> Choice {
        if LoopbackPort.isAccepting(6379) { return Choice(url: Configuration.defaultRedisURL, server: nil) }
        guard let executable = ExecutableSearch.path(of: "redis-server") else {
            throw Unavailable(description: "ShopService needs Redis: install it (apt-get install redis-server) or set REDIS_URL=redis://HOST:PORT")
        }
        do {
            let server = try await LocalRedisServer(executable: executable, folderPrefix: "shop-service-redis")
            logger.info(
                "REDIS_URL is not set and nothing listens on 6379: started a private redis-server (no persistence, stopped on exit)",
                metadata: ["url": "\(server.url)"])
            return Choice(url: server.url, server: server)
        } catch {
            throw Unavailable(description: "ShopService: \(error)")
        }
    }
}
