import ArgumentParser
import Foundation

@main
struct CacheSchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-schema",
        abstract: "Check, generate, explain and diff CacheSchema files (*.cache.yaml), and inspect a live Redis against one.",
        discussion: """
            A cache schema declares every Redis key of an application: its pattern, parameters, TTL and what \
            invalidates it. The build plugin turns it into Swift; this tool checks and explains it, and holds a live \
            Redis against it.

            Examples:
              cache-schema check schemas/shop.cache.yaml
              cache-schema explain schemas/shop.cache.yaml --format json
              cache-schema generate schemas/shop.cache.yaml --output Sources/App/Generated
              cache-schema inspect schemas/shop.cache.yaml --url redis://127.0.0.1:6379
              cache-schema diff schemas/shop.cache.yaml --base origin/main
            """,
        subcommands: [Check.self, Generate.self, Explain.self, Inspect.self, Diff.self]
    )

    /// Runs the command; usage errors exit with status 2 (not ArgumentParser's 64), as `check` documents.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
