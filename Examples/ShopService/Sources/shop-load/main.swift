import Foundation
import ShopLoad
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// shop-load: a bounded, read-heavy load run against ShopService, with the cache on and with the cache bypassed
// (CACHE_BYPASS=1: every read goes to SQLite), in one run, so that the ratio compares like with like.
//
//   swift build -c release --package-path Examples/ShopService
//   Examples/ShopService/.build/release/shop-load [--connections 16] [--duration 10] [--warmup 2] [--hot-users 200]
//                                                 [--mix point|stats|both] [--max-requests 2000000] [--service PATH]
//                                                 [--redis-url URL] [--source-delay-ms 0]
//   Examples/ShopService/.build/release/shop-load --url http://127.0.0.1:8080     # a running service, no comparison
//
// Two mixes (see Mix), each measured on its own against both services: point reads (90% GET /users/{id} over a hot
// set of users, 4% GET /restaurants/{id}, 3% GET /restaurants/{id}/menu, 3% GET /users/{id}/orders), which SQLite in
// the same process answers as fast as a Redis round trip, and the stats read (GET /restaurants/{id}/stats, an
// aggregate over a restaurant's orders), which is where a cache pays. `--source-delay-ms N` starts both services with
// SQLITE_READ_DELAY_MS=N, a stand-in for a database across a network. Each connection is a thread with one keep-alive
// loopback connection. Bounded by time (warm-up + measured seconds per mix and service) and by a request count per
// phase.

struct Options {
    var connections = 16
    var duration = 10.0
    var warmup = 2.0
    var hotUsers = 200
    var maxRequests = 2_000_000
    var url: String?
    var service: String?
    var redisURL: String?
    var sourceDelay = 0
    var mixes = Mix.allCases

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { usage("missing value for \(arguments[index - 1])") }
            return arguments[index]
        }
        func number(_ text: String) -> Double {
            guard let number = Double(text), number > 0 else { usage("'\(text)' is not a positive number") }
            return number
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--connections": options.connections = min(256, Int(number(value())))
            case "--duration": options.duration = min(300, number(value()))
            case "--warmup": options.warmup = min(60, number(value()))
            case "--hot-users": options.hotUsers = min(1000, Int(number(value())))
            case "--max-requests": options.maxRequests = Int(number(value()))
            case "--url": options.url = value()
            case "--service": options.service = value()
            case "--redis-url": options.redisURL = value()
            case "--mix":
                let text = value()
                if text == "both" {
                    options.mixes = Mix.allCases
                } else if let mix = Mix(rawValue: text) {
                    options.mixes = [mix]
                } else {
                    usage("--mix takes point, stats or both")
                }
            case "--source-delay-ms":
                let text = value()
                guard let delay = Int(text), (0...1000).contains(delay) else { usage("--source-delay-ms takes 0 to 1000") }
                options.sourceDelay = delay
            case "-h", "--help": usage(nil)
            default: usage("unknown argument '\(arguments[index])'")
            }
            index += 1
        }
        return options
    }
}

func usage(_ problem: String?) -> Never {
    if let problem { FileHandle.standardError.write(Data("shop-load: \(problem)\n".utf8)) }
    print("usage: shop-load [--connections N] [--duration S] [--warmup S] [--hot-users N] [--mix point|stats|both] [--max-requests N] [--service PATH] [--redis-url URL] [--source-delay-ms N] [--url http://HOST:PORT]")
    exit(problem == nil ? 0 : 2)
}

struct Stats {
    var requests = 0
    var failures = 0
    var unexpectedStatus = 0
    var hits = 0
    var misses = 0
    var bypasses = 0
    var latencies: [Double] = []  // milliseconds

    mutating func merge(_ other: Stats) {
        requests += other.requests
        failures += other.failures
        unexpectedStatus += other.unexpectedStatus
        hits += other.hits
        misses += other.misses
        bypasses += other.bypasses
        latencies += other.latencies
    }

    var hitRate: Double {
        let lookups = hits + misses + bypasses
        return lookups == 0 ? 0 : Double(hits) / Double(lookups)
    }

    func percentile(_ p: Double) -> Double {
        ShopLoad.percentile(p, ofSorted: latencies.sorted())
    }
}

/// Runs `connections` threads requesting `mix` for `seconds` (or until `budget` requests in all) and merges what they
/// saw.
func drive(_ target: ShopTarget, mix: Mix, connections: Int, seconds: Double, budget: Int) -> Stats {
    let total = Mutex(Stats())
    let issued = Atomic<Int>(0)
    let finished = DispatchSemaphore(value: 0)
    let deadline = Date().addingTimeInterval(seconds)
    for worker in 0..<connections {
        let thread = Thread {
            var random = SystemRandomNumberGenerator()
            _ = worker
            let connection = HTTPConnection(host: target.host, port: target.port)
            var stats = Stats()
            stats.latencies.reserveCapacity(50_000)
            while Date() < deadline, issued.add(1, ordering: .relaxed).newValue <= budget {
                let path = mix.path(target, using: &random)
                let start = DispatchTime.now().uptimeNanoseconds
                do {
                    let reply = try connection.request("GET", path)
                    stats.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    stats.requests += 1
                    if reply.status != 200 { stats.unexpectedStatus += 1 }
                    switch reply.headers["x-cache"] {
                    case "hit": stats.hits += 1
                    case "miss": stats.misses += 1
                    case "bypass": stats.bypasses += 1
                    default: break
                    }
                } catch {
                    stats.failures += 1
                    connection.disconnect()
                }
            }
            let merged = stats
            total.withLock { $0.merge(merged) }
            finished.signal()
        }
        thread.start()
    }
    for _ in 0..<connections { finished.wait() }
    return total.withLock { $0 }
}

struct PhaseResult {
    /// The service: `cache on`, `cache bypassed` or `service` (one given by `--url`).
    var name: String
    var mix: Mix
    var stats: Stats
    var seconds: Double
    var requestsPerSecond: Double { Double(stats.requests) / seconds }
}

/// Measures each of `options.mixes` against one service: a warm-up (which also fills the cache), then the measured
/// seconds.
func measure(_ name: String, host: String, port: Int, options: Options) throws -> [PhaseResult] {
    let target = try ShopTarget.discover(host: host, port: port, hotUsers: options.hotUsers)
    return options.mixes.map { mix in
        print("[\(name), \(mix.title)] warming up for \(options.warmup) s over \(target.users.count) hot users and \(target.restaurants.count) restaurants…")
        _ = drive(target, mix: mix, connections: options.connections, seconds: options.warmup, budget: options.maxRequests)
        print("[\(name), \(mix.title)] measuring for \(options.duration) s with \(options.connections) connections…")
        let start = Date()
        let stats = drive(target, mix: mix, connections: options.connections, seconds: options.duration, budget: options.maxRequests)
        return PhaseResult(name: name, mix: mix, stats: stats, seconds: Date().timeIntervalSince(start))
    }
}

// MARK: Report

/// Prints one row per service and mix, then, per mix, cache on against cache bypassed.
func report(_ results: [PhaseResult], options: Options) {
    print("")
    print("shop-load: \(options.connections) connections, \(options.duration) s measured after \(options.warmup) s warm-up per mix and service, hot set \(options.hotUsers) users, SQLite read delay \(options.sourceDelay) ms")
    for mix in options.mixes { print("\(mix.title): \(mix.summary)") }
    func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
    func left(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }
    print(pad("read", 13) + pad("service", 16) + left("requests", 10) + left("req/s", 10) + left("hit rate", 10) + left("p50 ms", 9) + left("p99 ms", 9) + left("non-200", 9) + left("errors", 8))
    for mix in options.mixes {
        for result in results where result.mix == mix {
            let stats = result.stats
            print(
                pad(mix.title, 13) + pad(result.name, 16) + left(String(stats.requests), 10) + left(String(format: "%.0f", result.requestsPerSecond), 10)
                    + left(String(format: "%.2f%%", stats.hitRate * 100), 10) + left(String(format: "%.2f", stats.percentile(0.5)), 9)
                    + left(String(format: "%.2f", stats.percentile(0.99)), 9) + left(String(stats.unexpectedStatus), 9) + left(String(stats.failures), 8))
        }
    }
    for mix in options.mixes {
        let phases = results.filter { $0.mix == mix }
        guard phases.count == 2, phases[1].requestsPerSecond > 0, phases[0].stats.percentile(0.5) > 0 else { continue }
        let (on, off) = (phases[0], phases[1])
        print(mix.title + String(
            format: ", cache on / cache bypassed: %.2fx requests per second; p50 %.2f / %.2f ms, p99 %.2f / %.2f ms",
            on.requestsPerSecond / off.requestsPerSecond, on.stats.percentile(0.5), off.stats.percentile(0.5),
            on.stats.percentile(0.99), off.stats.percentile(0.99)))
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
do {
    if let url = options.url {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            usage("--url must look like http://127.0.0.1:8080")
        }
        report(try measure("service", host: host == "localhost" ? "127.0.0.1" : host, port: port, options: options), options: options)
    } else {
        let binary = options.service ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ShopService").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            usage("no ShopService binary at \(binary): build the package first (swift build -c release --package-path Examples/ShopService) or pass --service PATH")
        }
        var results: [PhaseResult] = []
        let common = ["SQLITE_READ_DELAY_MS": String(options.sourceDelay)]
        let phases: [(String, [String: String])] = [
            ("cache on", common.merging(options.redisURL.map { ["REDIS_URL": $0] } ?? [:]) { $1 }),
            ("cache bypassed", common.merging(["CACHE_BYPASS": "1"]) { $1 }),
        ]
        for (name, environment) in phases {
            print("[\(name)] starting \(binary)…")
            let service = try await ServiceProcess.start(binary: binary, environment: environment)
            do {
                results += try measure(name, host: "127.0.0.1", port: service.port, options: options)
            } catch {
                await service.stop()
                throw error
            }
            await service.stop()
        }
        report(results, options: options)
    }
} catch {
    FileHandle.standardError.write(Data("shop-load: \(error)\n".utf8))
    exit(1)
}
