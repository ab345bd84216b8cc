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
    /// The stages run in order, each taking the previous one's value and reporting into one collector: load (bytes
    /// to `SchemaSyntax`), validate (to a ``Schema``), analyse (to a ``SchemaAnalysis``) and render (to Swift).
    /// A stage runs only on a value the previous one gave; validation gives none when any error has been reported.
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
        var diagnostics = DiagnosticCollector(file: file)
        let loaded = SchemaLoader.load(bytes: bytes, diagnostics: &diagnostics)
        let schema = loaded.syntax.flatMap { SchemaValidator.validate($0, diagnostics: &diagnostics) }
        let analysis = schema.map { SchemaAnalyzer.analyze($0, diagnostics: &diagnostics) }
        var result = CompilationResult(file: file, source: loaded.source, diagnostics: diagnostics.finished())
        guard let schema, let analysis, !result.hasErrors else { return result }
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
            let problem = InputGuard.sizeProblem(size)
            return CompilationResult(file: path, source: nil, diagnostics: [
                Diagnostic(problem.identifier, problem.message, file: path, at: problem.location),
            ])
        }
        do {
            let data = try Data(contentsOf: url)
            return compile(bytes: Array(data), file: path, generate: generate, options: options)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            return CompilationResult(file: path, source: nil, diagnostics: [
                Diagnostic(.unreadableFile, "cannot read schema file: \(reason)", file: path, at: SourceLocation(line: 1, column: 1)),
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
