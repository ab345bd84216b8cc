import Foundation
import PackagePlugin

/// Turns every `*.cache.yaml` among a target's sources into a generated Swift file (`CacheKeys`, `CacheTTL`,
/// `CacheInvalidations`, `CacheInvalidator`).
///
/// It uses a build command (not a prebuild command) whose inputs are the schema and the generator executable, and
/// whose output name is derived from the schema's file name only: an unchanged schema never re-runs the generator,
/// a changed schema or a rebuilt generator always does.
@main
struct CacheSchemaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let sourceTarget = target as? SourceModuleTarget else { return [] }
        let schemas = sourceTarget.sourceFiles.filter { SchemaFileNames.isSchema($0.url.lastPathComponent) }
        if schemas.count > 1 {
            let names = schemas.map { $0.url.lastPathComponent }.sorted().joined(separator: ", ")
            throw CacheSchemaPluginError(
                "target '\(target.name)' has \(schemas.count) cache schemas (\(names)); each would generate CacheKeys, so keep one schema per target")
        }
        let tool = try context.tool(named: "cache-schema-build-tool")
        return schemas.map { schema in
            let name = schema.url.lastPathComponent
            let output = context.pluginWorkDirectoryURL.appending(path: SchemaFileNames.generatedFileName(forSchemaNamed: name))
            return .buildCommand(
                displayName: "Generating cache keys from \(name)",
                executable: tool.url,
                arguments: [schema.url.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: [schema.url, tool.url],
                outputFiles: [output]
            )
        }
    }
}

struct CacheSchemaPluginError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
