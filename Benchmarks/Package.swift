// swift-tools-version: 6.1
// Benchmarks for CacheSchema, run on demand (see README.md). Not part of the root package's build or tests.
import PackageDescription

let package = Package(
    name: "cache-schema-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its folder's name, which is whatever the
        // repository was cloned as.
        .package(name: "cache-schema", path: ".."),
        // For client-benchmark and cache-benchmark (ByteBuffer values, a quieter logger); resolved to the root
        // package's versions.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // What the Redis benchmarks share: redis-benchmark's CSV, tables and medians. Their private redis-server is
        // the root package's CacheSchemaLocalRedis, which the tests and the example service use too.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "CacheSchemaLocalRedis", package: "cache-schema")]
        ),
        .executableTarget(
            name: "generator-benchmark",
            dependencies: [
                .product(name: "CacheSchemaGenerator", package: "cache-schema"),
                .product(name: "CacheSchemaLocalRedis", package: "cache-schema"),
            ]
        ),
        .executableTarget(
            name: "client-benchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CacheSchemaLocalRedis", package: "cache-schema"),
                .product(name: "CacheSchemaRedis", package: "cache-schema"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // RedisClusterClient against `redis-benchmark --cluster` on a local cluster this process starts.
        .executableTarget(
            name: "cluster-benchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CacheSchemaLocalRedis", package: "cache-schema"),
                .product(name: "CacheSchemaRedis", package: "cache-schema"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The cache runtime (getOrSet hit path, codecs, invalidation through the index vs SCAN, the near cache) and
        // `cache-schema inspect`'s walk; its schema, bench.cache.yaml, is compiled by the plugin into CacheKeys /
        // CacheInvalidations, and at run time by the generator for the inspection.
        .executableTarget(
            name: "cache-benchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CacheRuntime", package: "cache-schema"),
                .product(name: "CacheSchemaGenerator", package: "cache-schema"),
                .product(name: "CacheSchemaInspection", package: "cache-schema"),
                .product(name: "CacheSchemaLocalRedis", package: "cache-schema"),
                .product(name: "CacheSchemaMessagePack", package: "cache-schema"),
                .product(name: "CacheSchemaRedis", package: "cache-schema"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: [.plugin(name: "CacheSchemaPlugin", package: "cache-schema")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
