import Foundation

/// Options for generating Swift code.
public struct GeneratorOptions: Sendable, Hashable {
    /// Overrides the schema's `swift: { access: }` when set.
    public var access: AccessLevel?

    /// Creates options.
    public init(access: AccessLevel? = nil) {
        self.access = access
    }
}

/// The outcome of compiling one schema file.
public struct CompilationResult: Sendable {
    /// The file as given.
    public var file: String
    /// The schema's text, when it decoded (for carets under diagnostics).
    public var source: String?
    /// Every diagnostic, errors and warnings, in file order.
    public var diagnostics: [Diagnostic]
    /// The checked schema, when there is no error.
    public var schema: Schema?
    /// The analysis, when there is no error.
    public var analysis: SchemaAnalysis?
    /// The generated Swift source, when generation was asked for and there is no error.
    public var swiftSource: String?

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// The generator's entry point: schema bytes in, diagnostics and Swift out. No I/O except reading the schema file.
public enum CacheSchemaCompiler {
    /// The most diagnostics reported for one file; past it, one last error says how many more there are. A file
    /// with thousands of problems is not a schema, and printing them all would bury the first ones.
    public static let maximumDiagnostics = 100

    /// Checks a schema given as bytes, and renders Swift when `generate` is set and there is no error.
    ///
    /// - Parameters:
    ///   - bytes: The schema file's contents.
    ///   - file: The path to show in diagnostics.
    ///   - generate: Whether to render Swift.
    ///   - options: Rendering options.
    public static func compile(
        bytes: [UInt8],
        file: String,
        generate: Bool = true,
        options: GeneratorOptions = GeneratorOptions()
    ) -> CompilationResult {
        let loaded = SchemaLoader.load(bytes: bytes, file: file)
        var result = CompilationResult(file: file, source: loaded.source, diagnostics: limited(loaded.diagnostics))
        guard let schema = loaded.schema else { return result }
        let analysis = SchemaAnalyzer.analyze(schema)
        result.diagnostics = limited((loaded.diagnostics + analysis.diagnostics).sorted(by: SchemaLoader.order))
        guard !result.hasErrors else { return result }
        result.schema = schema
        result.analysis = analysis
        if generate {
            let renderer = SwiftRenderer(
                schema: schema,
                analysis: analysis,
                access: options.access ?? schema.access,
                sourceName: URL(fileURLWithPath: file).lastPathComponent)
            result.swiftSource = renderer.render()
        }
        return result
    }

    /// The first ``maximumDiagnostics`` of sorted diagnostics, and an error in place of the rest.
    static func limited(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        guard diagnostics.count > maximumDiagnostics else { return diagnostics }
        let first = diagnostics[maximumDiagnostics]
        let rest = diagnostics.count - maximumDiagnostics
        return Array(diagnostics.prefix(maximumDiagnostics)) + [
            Diagnostic(.error, "\(rest) more problem\(rest == 1 ? "" : "s") not shown; fix the ones above and check again", file: first.file, at: first.location),
        ]
    }

    /// Checks a schema given as text.
    public static func compile(
        source: String,
        file: String,
        generate: Bool = true,
        options: GeneratorOptions = GeneratorOptions()
    ) -> CompilationResult {
        compile(bytes: Array(source.utf8), file: file, generate: generate, options: options)
    }

    /// Reads a schema file and compiles it. A file that cannot be read gives one error diagnostic.
    public static func compile(
        fileAt path: String,
        generate: Bool = true,
        options: GeneratorOptions = GeneratorOptions()
    ) -> CompilationResult {
        let url = URL(fileURLWithPath: path)
        // Refuse oversized files before reading them whole.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size > InputGuard.maximumBytes
        {
            return CompilationResult(file: path, source: nil, diagnostics: [
                Diagnostic(.error, "schema file is \(InputGuard.formatSize(size)); the limit is \(InputGuard.formatSize(InputGuard.maximumBytes)). A schema of 10,000 keys is about 1 MB: split the file or check that this is the right file", file: path, at: SourceLocation(line: 1, column: 1)),
            ])
        }
        do {
            let data = try Data(contentsOf: url)
            return compile(bytes: Array(data), file: path, generate: generate, options: options)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            return CompilationResult(file: path, source: nil, diagnostics: [
                Diagnostic(.error, "cannot read schema file: \(reason)", file: path, at: SourceLocation(line: 1, column: 1)),
            ])
        }
    }

    /// The name of the Swift file generated for a schema file: derived from the file name only
    /// (`shop.cache.yaml` → `shop.cache.swift`), as build plugins require.
    public static func outputFileName(forSchemaFileNamed name: String) -> String {
        var stem = name
        for suffix in [".yaml", ".yml"] where stem.hasSuffix(suffix) {
            stem.removeLast(suffix.count)
        }
        return stem + ".swift"
    }
}
