import CacheSchemaLocalRedis
import Foundation
import ShopLoad

/// What a group of rows runs on: the Redis of the row's setup, the service caching in it, and the load against the
/// service. Rows of one setup share one stage, one after the other.
final class FaultStage: Sendable {
    let setup: FaultRow.Setup
    let server: LocalRedisServer?
    let proxy: FaultProxy?
    let cluster: LocalRedisCluster?
    let service: ServiceProcess
    let load: LoadGenerator

    private init(
        setup: FaultRow.Setup, server: LocalRedisServer?, proxy: FaultProxy?, cluster: LocalRedisCluster?, service: ServiceProcess, load: LoadGenerator
    ) {
        self.setup = setup
        self.server = server
        self.proxy = proxy
        self.cluster = cluster
        self.service = service
        self.load = load
    }

    /// Starts the Redis of `setup`, the service on it, and the load (not yet running).
    static func start(_ setup: FaultRow.Setup, options: FaultMatrixOptions) async throws -> FaultStage {
        var server: LocalRedisServer?
        var proxy: FaultProxy?
        var cluster: LocalRedisCluster?
        var service: ServiceProcess?
        do {
            var environment: [String: String] = [:]
            switch setup {
            case .server, .proxy:
                // DEBUG SLEEP needs the debug command; noeviction is Redis's default, said here because the OOM row
                // depends on it.
                let started = try await LocalRedisServer(
                    arguments: ["--enable-debug-command", "local", "--maxmemory-policy", "noeviction"], folderPrefix: "shop-faults-redis")
                server = started
                if setup == .proxy {
                    let started = try await FaultProxy(upstreamPort: started.port)
                    proxy = started
                    environment["REDIS_URL"] = started.url
                } else {
                    environment["REDIS_URL"] = started.url
                }
            case .cluster:
                let started = try await LocalRedisCluster.start()
                cluster = started
                environment["REDIS_CLUSTER_NODES"] = started.seeds.joined(separator: ",")
            }
            let running = try await ServiceProcess.start(binary: options.serviceBinary, environment: environment, folderPrefix: "shop-faults")
            service = running
            let target = try await onThread { try ShopTarget.discover(host: "127.0.0.1", port: running.port, hotUsers: options.hotUsers) }
            let load = LoadGenerator(target: target, connections: options.connections, readPause: options.readPause, writeInterval: options.writeInterval)
            return FaultStage(setup: setup, server: server, proxy: proxy, cluster: cluster, service: running, load: load)
        } catch {
            await service?.stop()
            await proxy?.stop()
            await server?.stop()
            await cluster?.stop()
            throw error
        }
    }

    /// Stops the load, the service and Redis.
    func stop() async {
        await load.stop()
        await service.stop()
        await proxy?.stop()
        await server?.stop()
        await cluster?.stop()
    }

    /// Injects `row`'s fault and returns once it has ended (for a timed fault, after `duration`): the moment the
    /// path to Redis is whole again.
    func inject(_ row: FaultRow, duration: Duration, short: Bool) async throws {
        switch row {
        case .restart:
            let server = try require(server)
            await server.kill()
            try await Task.sleep(for: duration)
            try await server.restart()
        case .sigstop:
            let server = try require(server)
            server.suspend()
            try await Task.sleep(for: duration)
            server.resume()
        case .debugSleep:
            // The command returns when the server wakes up.
            let seconds = String(format: "%.3f", duration.seconds)
            _ = try await require(server).cli(["DEBUG", "SLEEP", seconds])
        case .blackhole, .reset, .slow:
            let proxy = try require(proxy)
            let mode: FaultProxy.Mode =
                switch row {
                case .blackhole: .blackhole
                case .reset: .reset
                default: .delay(.milliseconds(50), jitter: .milliseconds(25))
                }
            await proxy.setMode(mode)
            try await Task.sleep(for: duration)
            await proxy.setMode(.pass)
        case .maxmemory:
            let server = try require(server)
            _ = try await server.cli(["CONFIG", "SET", "maxmemory", "1"])
            try await Task.sleep(for: duration)
            _ = try await server.cli(["CONFIG", "SET", "maxmemory", "0"])
        case .failover:
            try await require(cluster).failOver()
        case .slotMigration:
            let cluster = try require(cluster)
            // The slots of the first hot users (a user's keys share the slot of its id, their hash tag).
            var slots: [Int] = []
            for user in load.target.users.prefix(short ? 3 : 8) {
                let slot = try await cluster.slot(ofKey: user)
                if !slots.contains(slot) { slots.append(slot) }
            }
            for slot in slots { try await cluster.moveSlot(slot) }
        }
    }

    private func require<T>(_ value: T?) throws -> T {
        guard let value else { throw HTTPConnection.Failure(description: "this stage (\(setup)) cannot inject that fault") }
        return value
    }
}
