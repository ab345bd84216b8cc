// swift-tools-version: 6.1
import PackageDescription

// The example service of CacheSchema: a Hummingbird 2 JSON API over SQLite, cached in Redis through the code the
// CacheSchemaPlugin generates from the reference schema (Sources/ShopService/shop.cache.yaml is a symbolic link to
// ../../../../schemas/shop.cache.yaml, so the example always runs the schema the README documents).
//
// - ShopService: the service (`swift run --package-path Examples/ShopService ShopService` from the repository root).
//   As in Hummingbird's template, `buildApplication(configuration:)` builds the application and `main` runs it, so
//   that the tests can build it too.
// - shop-load: a bounded load generator comparing the service with the cache on and bypassed.
// - shop-faults: the fault matrix (Redis killed, stopped, asleep, blackholed, reset, slowed, out of memory; a cluster
//   failover and slot migration) and the soak run, through the ShopFaults library; ShopLoad holds what both share.
// - ShopServiceTests: the routes through Hummingbird's router test framework against a real redis-server and a
//   temporary SQLite file (seconds), and one end-to-end test of the built executable as a process over HTTP.
//
// The trait OTel (`swift build --traits OTel`) adds the export of traces to an OpenTelemetry collector through
// swift-otel. It is off by default: swift-otel takes minutes to build, and a default build (CI's) neither builds nor
// links it.
let package = Package(
    name: "ShopService",
    platforms: [.macOS(.v15)],
    traits: [
        .trait(
            name: "OTel",
            description: "Export traces over OTLP/HTTP to the collector of OTEL_EXPORTER_OTLP_ENDPOINT (builds swift-otel)")
    ],
    dependencies: [
        // The root package, by path; its folder name varies between clones, so it is named explicitly.
        .package(name: "cache-schema", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // Only its OTLP/HTTP exporter: the gRPC one would add grpc-swift to a build that is long already.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .executableTarget(
            name: "ShopService",
            dependencies: [
                .product(name: "CacheRuntime", package: "cache-schema"),
                .product(name: "CacheSchemaLocalRedis", package: "cache-schema"),
                .product(name: "CacheSchemaRedis", package: "cache-schema"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTel"])),
            ],
            plugins: [.plugin(name: "CacheSchemaPlugin", package: "cache-schema")]
        ),
        // What the load runs share: the blocking HTTP client, the service as a child process, the read mix.
        .target(
            name: "ShopLoad",
            dependencies: [.product(name: "CacheSchemaLocalRedis", package: "cache-schema")]
        ),
        .executableTarget(name: "shop-load", dependencies: ["ShopLoad"]),
        // The fault matrix and the soak run (a library, so that the tests run a short matrix in process).
        .target(
            name: "ShopFaults",
            dependencies: ["ShopLoad", .product(name: "CacheSchemaLocalRedis", package: "cache-schema")]
        ),
        .executableTarget(name: "shop-faults", dependencies: ["ShopFaults"]),
        .testTarget(
            name: "ShopServiceTests",
            dependencies: [
                "ShopService",
                "ShopFaults",
                .product(name: "CacheSchemaLocalRedis", package: "cache-schema"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
