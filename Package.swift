// swift-tools-version: 6.1
import PackageDescription

// One concept per target (see README "Architecture"):
// - CacheRuntime: what generated code calls (keys, key encoding, invalidation descriptors, schema description).
// - CacheSchemaGenerator: schema model, YAML loading with locations, validation, Swift rendering. No Redis, no NIO.
// - cache-schema: the CLI.
// - cache-schema-build-tool: the small executable the build plugin runs; depends on the generator only, so that
//   every consumer's build compiles as little as possible.
// - CacheSchemaPlugin: the SwiftPM build-tool plugin.
let package = Package(
    name: "cache-schema",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CacheRuntime", targets: ["CacheRuntime"]),
        .library(name: "CacheSchemaGenerator", targets: ["CacheSchemaGenerator"]),
        .executable(name: "cache-schema", targets: ["cache-schema"]),
        .executable(name: "cache-schema-build-tool", targets: ["cache-schema-build-tool"]),
        .plugin(name: "CacheSchemaPlugin", targets: ["CacheSchemaPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CacheRuntime"),
        .target(
            name: "CacheSchemaGenerator",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "cache-schema",
            dependencies: [
                "CacheSchemaGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
        .testTarget(
            name: "CacheRuntimeTests",
            dependencies: ["CacheRuntime", "CacheSchemaGenerator"]
        ),
        .testTarget(
            name: "CacheSchemaGeneratorTests",
            dependencies: ["CacheSchemaGenerator"],
            exclude: ["Fixtures", "Snippets", "Golden"]
        ),
        .testTarget(
            name: "GeneratedCodeTests",
            dependencies: ["CacheRuntime"],
            plugins: ["CacheSchemaPlugin"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["cache-schema"]
        ),
        .testTarget(
            name: "PluginIntegrationTests",
            exclude: ["ConsumerTemplate"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
