import ArgumentParser
import CacheSchemaRedis
import Foundation
import Logging

/// The Redis that `inspect` and `diff --url` walk: one node from a URL, or a cluster from its seeds.
struct LiveRedis {
    let client: any RedisKeyedClient
    /// How the report names it: the URL without its password, or the seeds.
    let name: String

    /// Connects lazily (the first command opens the connection); exits with status 2 when the arguments are wrong.
    static func connect(url: String?, clusterSeeds: String?, command: String) throws -> LiveRedis {
        guard url != nil || clusterSeeds != nil else { throw ValidationError("give --url redis://host:port or --cluster-seeds host:port,…") }
        // The report says what went wrong; the client's connection notices would only interleave with it.
        var logger = Logger(label: "cache-schema.\(command)")
        logger.logLevel = .error
        do {
            var configuration = try url.map { try RedisConnectionConfiguration(url: $0) } ?? RedisConnectionConfiguration()
            configuration.clientName = "cache-schema-\(command)"
            if let clusterSeeds {
                let seeds = clusterSeeds.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }
                return LiveRedis(
                    client: try RedisClusterClient(seeds: seeds, configuration: configuration, logger: logger),
                    name: "the cluster of " + seeds.joined(separator: ","))
            }
            return LiveRedis(client: RedisClient(configuration: configuration, logger: logger), name: configuration.description)
        } catch {
            FileHandle.standardError.write(Data("cache-schema \(command): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
