import Testing

@testable import CacheSchemaGenerator

/// The build plugin names the generated file itself (a plugin cannot import the generator), and the build tool and
/// `cache-schema generate` name it with `CacheSchemaCompiler.outputFileName(forSchemaFileNamed:)`. The plugin declares
/// that file as its command's output, so the two must agree on every schema name the plugin accepts.
/// `PluginSchemaFileNames.swift` is a link to the plugin's own `SchemaFileNames.swift`.
@Suite struct PluginFileNameTests {
    @Test(arguments: [
        "shop.cache.yaml", "shop.cache.yml", "a.cache.yaml", "my shop.cache.yaml", "x.yml.cache.yaml",
        "x.yaml.cache.yml", "v1.2.cache.yaml", ".cache.yaml", "日本.cache.yml",
    ])
    func pluginAndGeneratorNameTheGeneratedFileAlike(schema: String) {
        #expect(SchemaFileNames.isSchema(schema))
        #expect(SchemaFileNames.generatedFileName(forSchemaNamed: schema) == CacheSchemaCompiler.outputFileName(forSchemaFileNamed: schema))
    }

    @Test func shopSchemaGivesShopSwift() {
        #expect(SchemaFileNames.generatedFileName(forSchemaNamed: "shop.cache.yaml") == "shop.cache.swift")
        #expect(CacheSchemaCompiler.outputFileName(forSchemaFileNamed: "shop.cache.yml") == "shop.cache.swift")
    }

    @Test(arguments: ["shop.yaml", "shop.cache.json", "cache.yaml", "shop.cache.yaml.bak"])
    func pluginIgnoresOtherFiles(name: String) {
        #expect(!SchemaFileNames.isSchema(name))
    }
}
