import ArgumentParser
import Foundation

@main
struct CacheSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-schema",
        abstract: "Check, generate and explain CacheSchema files (*.cache.yaml).",
        discussion: """
            A cache schema declares every Redis key of an application: its pattern, parameters, TTL and what \
            invalidates it. The build plugin turns it into Swift; this tool checks and explains it.

            Examples:
              cache-schema check schemas/shop.cache.yaml
              cache-schema explain schemas/shop.cache.yaml --format json
              cache-schema generate schemas/shop.cache.yaml --output Sources/App/Generated
              cache-schema diff schemas/shop.cache.yaml --base origin/main
            """,
        subcommands: [Check.self, Generate.self, Explain.self, Diff.self]
    )

    /// Runs the command; usage errors exit with status 2 (not ArgumentParser's 64), as `check` documents.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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
