import Foundation
import Logging

/// Tests log only when asked, so that a failure stands out in `swift test`'s output.
///
/// The code under test logs what an operator needs (connections failing, repairs queued, values that no longer
/// decode); the tests provoke exactly those events on purpose, hundreds of times. By default the test process drops
/// every log line. `CACHE_SCHEMA_TEST_LOG_LEVEL=debug` (or `trace`, `info`, `notice`, `warning`, `error`,
/// `critical`) prints them to standard error from that level up.
public enum TestLogging {
    /// The level asked for in `CACHE_SCHEMA_TEST_LOG_LEVEL`, or `nil` for silence.
    public static let level: Logger.Level? = ProcessInfo.processInfo.environment["CACHE_SCHEMA_TEST_LOG_LEVEL"]
        .flatMap { Logger.Level(rawValue: $0.lowercased()) }

    private static let bootstrapped: Void = {
        let level = TestLogging.level
        LoggingSystem.bootstrap { label in
            guard let level else { return SwiftLogNoOpLogHandler(label) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()

    /// Installs the test process's log handler, once. Every helper that starts a server calls it, so it runs before
    /// the first client or cache of a test creates its logger.
    public static func bootstrap() {
        _ = bootstrapped
    }
}
