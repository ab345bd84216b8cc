/// Which of a target's files are cache schemas, and the name of the Swift file generated for one.
///
/// The build tool states the output name too (`CacheSchemaCompiler.outputFileName(forSchemaFileNamed:)`), and a
/// plugin cannot import a library to share it; `PluginFileNameTests` compiles this file (through a link) and checks
/// that the two agree.
enum SchemaFileNames {
    /// Whether a file name is a cache schema's: `*.cache.yaml` or `*.cache.yml`.
    static func isSchema(_ name: String) -> Bool {
        name.hasSuffix(".cache.yaml") || name.hasSuffix(".cache.yml")
    }

    /// The generated file's name: the schema's name with `.swift` in place of `.yaml` or `.yml`.
    static func generatedFileName(forSchemaNamed name: String) -> String {
        let stem = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : String(name.dropLast(4))
        return stem + ".swift"
    }
}
