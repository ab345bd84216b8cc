import Logging
import Synchronization

/// Keeps every message logged through its ``logger``, for tests that check what an operator is told (and how often).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// The messages so far, in order.
    var messages: [String] { lines.withLock { $0 } }

    /// A logger at `trace` that records into this capture.
    var logger: Logger {
        Logger(label: "cache-schema.test.capture") { _ in Handler(capture: self) }
    }

    fileprivate func append(_ message: String) { lines.withLock { $0.append(message) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { capture.append(event.message.description) }
    }
}
