import Foundation

/// Writes generated files for the CLI and the build tool: all of them or none, each only when its bytes change (so
/// the compiler does not rebuild dependants for nothing), each through a temporary file and a rename (so a reader
/// never sees half a file).
public enum GeneratedFileWriter {
    /// A file to write.
    public struct File: Sendable, Hashable {
        /// Where to write it.
        public var path: String
        /// What to write.
        public var contents: String

        /// Creates a file.
        public init(path: String, contents: String) {
            self.path = path
            self.contents = contents
        }
    }

    /// What happened to each file.
    public enum Outcome: String, Sendable, Hashable {
        /// Written: it was new or changed.
        case written
        /// Left alone: the bytes on disk already matched.
        case unchanged
    }

    /// Writes every file whose bytes differ from what is on disk. Creates missing directories.
    ///
    /// - Throws: The first write error; files already renamed into place stay, but none is ever half-written.
    public static func write(_ files: [File]) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for file in files {
            let url = URL(fileURLWithPath: file.path)
            let bytes = Data(file.contents.utf8)
            if let existing = try? Data(contentsOf: url), existing == bytes {
                outcomes.append(.unchanged)
                continue
            }
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try bytes.write(to: temporary)
            // rename(2) replaces the destination atomically; FileManager.replaceItemAt lost the file on Linux.
            guard rename(temporary.path, url.path) == 0 else {
                let code = errno
                try? FileManager.default.removeItem(at: temporary)
                throw CocoaError(.fileWriteUnknown, userInfo: [
                    NSFilePathErrorKey: url.path,
                    NSLocalizedDescriptionKey: "cannot move the generated file into place: \(String(cString: strerror(code)))",
                ])
            }
            outcomes.append(.written)
        }
        return outcomes
    }
}
