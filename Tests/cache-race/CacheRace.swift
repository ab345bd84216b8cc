import ArgumentParser

/// The multi-process race harness: `cache-race run` checks that no read returns data older than a completed write,
/// with several processes reading and writing the same records through one Redis. See the README ("Race harness").
@main
struct CacheRace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-race",
        abstract: "Checks the cache's no-stale-read promise across processes.",
        subcommands: [RunCommand.self, WorkerCommand.self, StampedeCommand.self, StampedeWorkerCommand.self],
        defaultSubcommand: RunCommand.self)
}
