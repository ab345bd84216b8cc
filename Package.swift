// swift-tools-version: 6.1
import PackageDescription

// One concept per target (see README "Architecture"); module names carry the package's name so that they cannot
// clash with another package's modules in one application's build:
// - CacheSchemaCore: what generated code imports — keys, key encoding, patterns, invalidation values, the schema as
//   data, the codec protocol. Foundation only, so a target that applies the plugin compiles no SwiftNIO.
// - CacheSchemaRESP: RESP2/RESP3 values, command encoder, incremental decoder. No I/O.
// - CacheSchemaRedis: the Redis client — connections, pipelining, pool, deadlines, reconnect, AUTH/TLS, commands.
// - CacheRuntime: the cache over Redis (cache-aside, write-through, invalidation, repairs, metrics); re-exports
//   CacheSchemaCore, so `import CacheRuntime` alone gives keys, TTLs and the cache.
// - CacheSchemaMessagePack: the MessagePack codec, for teams that choose it over JSON.
// - CacheSchemaGenerator: schema model, YAML loading with locations, validation, Swift rendering. No Redis, no NIO;
//   it shares the key rules with generated code through CacheSchemaCore.
// - cache-schema: the CLI.
// - cache-schema-build-tool: the small executable the build plugin runs; depends on the generator only, so that
//   every consumer's build compiles as little as possible.
// - CacheSchemaPlugin: the SwiftPM build-tool plugin.
// - CacheSchemaLocalRedis: a private redis-server on a free loopback port and the child processes around it, for
//   the tests, the benchmarks and the example service's first run, and a fault-injecting TCP proxy (SwiftNIO) for the
//   fault runs; not needed in production. A product because the
//   Benchmarks and example packages, which depend on this one by path, use it too.
let package = Package(
    name: "cache-schema",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CacheSchemaCore", targets: ["CacheSchemaCore"]),
        .library(name: "CacheRuntime", targets: ["CacheRuntime"]),
        .library(name: "CacheSchemaMessagePack", targets: ["CacheSchemaMessagePack"]),
        .library(name: "CacheSchemaRESP", targets: ["CacheSchemaRESP"]),
        .library(name: "CacheSchemaRedis", targets: ["CacheSchemaRedis"]),
        .library(name: "CacheSchemaGenerator", targets: ["CacheSchemaGenerator"]),
        .library(name: "CacheSchemaInspection", targets: ["CacheSchemaInspection"]),
        .executable(name: "cache-schema", targets: ["cache-schema"]),
        .executable(name: "cache-schema-build-tool", targets: ["cache-schema-build-tool"]),
        .plugin(name: "CacheSchemaPlugin", targets: ["CacheSchemaPlugin"]),
        .library(name: "CacheSchemaLocalRedis", targets: ["CacheSchemaLocalRedis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Child processes of CacheSchemaLocalRedis (swift-system for the file descriptors and paths its API takes).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CacheSchemaCore"),
        .target(
            name: "CacheRuntime",
            dependencies: [
                "CacheSchemaCore",
                "CacheSchemaRedis",
                "CacheSchemaRESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(name: "CacheSchemaMessagePack", dependencies: ["CacheSchemaCore"]),
        .target(
            name: "CacheSchemaRESP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "CacheSchemaRedis",
            dependencies: [
                "CacheSchemaRESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "CacheSchemaGenerator",
            dependencies: ["CacheSchemaCore", .product(name: "Yams", package: "Yams")]
        ),
        // `cache-schema inspect`: a live Redis held against a schema (README "cache-schema inspect").
        .target(
            name: "CacheSchemaInspection",
            dependencies: [
                "CacheSchemaCore", "CacheSchemaGenerator", "CacheRuntime", "CacheSchemaRedis", "CacheSchemaRESP", "CacheSchemaMessagePack",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "cache-schema",
            dependencies: [
                "CacheSchemaGenerator",
                "CacheSchemaInspection",
                "CacheSchemaRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "cache-schema-build-tool",
            dependencies: ["CacheSchemaGenerator"]
        ),
        .plugin(
            name: "CacheSchemaPlugin",
            capability: .buildTool(),
            dependencies: ["cache-schema-build-tool"]
        ),
        .target(
            name: "CacheSchemaLocalRedis",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                // FaultProxy, the TCP proxy that breaks the path to a server on demand.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "RedisTestSupport",
            dependencies: ["CacheSchemaLocalRedis", .product(name: "Logging", package: "swift-log")],
            path: "Tests/RedisTestSupport"
        ),
        .testTarget(
            name: "CacheSchemaRedisTests",
            dependencies: [
                "CacheSchemaRedis",
                "RedisTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
                // The channel handler's tests run it in an embedded channel, without a socket.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "CacheSchemaRESPTests",
            dependencies: ["CacheSchemaRESP", "RedisTestSupport"]
        ),
        .testTarget(
            name: "CacheRuntimeTests",
            dependencies: [
                "CacheRuntime", "CacheSchemaMessagePack", "RedisTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CacheSchemaInspectionTests",
            dependencies: [
                "CacheSchemaInspection", "CacheSchemaGenerator", "CacheRuntime", "CacheSchemaRedis", "CacheSchemaMessagePack",
                "RedisTestSupport", .product(name: "NIOCore", package: "swift-nio"),
            ],
            plugins: ["CacheSchemaPlugin"]
        ),
        .testTarget(
            name: "CacheSchemaCoreTests",
            dependencies: ["CacheSchemaCore", "RedisTestSupport"]
        ),
        .testTarget(
            name: "CacheSchemaMessagePackTests",
            dependencies: ["CacheSchemaMessagePack", "RedisTestSupport"]
        ),
        .testTarget(
            name: "CacheSchemaGeneratorTests",
            dependencies: ["CacheSchemaGenerator", "RedisTestSupport", .product(name: "Yams", package: "Yams")],
            exclude: ["Fixtures", "Snippets", "Golden"]
        ),
        .testTarget(
            name: "GeneratedCodeTests",
            dependencies: ["CacheRuntime", "RedisTestSupport"],
            plugins: ["CacheSchemaPlugin"]
        ),
        .testTarget(
            name: "CacheRuntimeIntegrationTests",
            dependencies: [
                "CacheRuntime", "CacheSchemaMessagePack", "CacheSchemaRedis", "RedisTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            plugins: ["CacheSchemaPlugin"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["cache-schema", "RedisTestSupport"]
        ),
        .testTarget(
            name: "CacheSchemaLocalRedisTests",
            dependencies: ["CacheSchemaLocalRedis"]
        ),
        // The multi-process race harness (README "Race harness"): the source of truth, the event log and the checker;
        // `cache-race`, the executable run as several processes; and the tests that run it.
        .target(name: "RaceHarness", path: "Tests/RaceHarness"),
        .executableTarget(
            name: "cache-race",
            dependencies: [
                "CacheRuntime", "CacheSchemaRedis", "RaceHarness", "RedisTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Tests/cache-race",
            plugins: ["CacheSchemaPlugin"]
        ),
        .testTarget(
            name: "RaceHarnessTests",
            dependencies: ["RaceHarness", "RedisTestSupport", "cache-race"]
        ),
        .testTarget(
            name: "PluginIntegrationTests",
            dependencies: ["CacheSchemaLocalRedis"],
            exclude: ["ConsumerTemplate"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
