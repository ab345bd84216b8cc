import Foundation
import RedisTestSupport

/// Runs the built `cache-schema` executable and captures its output.
struct CLIRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The directory holding the built products (the test bundle sits beside them).
    static var productsDirectory: URL { RedisTestSupport.productsDirectory(containing: "cache-schema") }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs the CLI to completion (the wait suspends the test's task; it blocks no thread of the cooperative pool).
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Output {
        let run = try await CommandRun.run(
            productsDirectory.appendingPathComponent("cache-schema").path, arguments,
            workingDirectory: directory ?? repositoryRoot, separateErrorOutput: true)
        return Output(status: run.status, stdout: run.output, stderr: run.errorOutput)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cache-schema-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
