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
    ],
    targets: [
        .executableTarget(
            name: "generator-benchmark",
            dependencies: [.product(name: "CacheSchemaGenerator", package: "cache-schema")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
