import CacheSchemaLocalRedis
import Foundation

enum Shell {
    /// `swift` from `PATH`, run to completion (its output interleaved) or killed after 30 minutes.
    static func swift(_ arguments: [String], in directory: URL) async throws -> CommandRun {
        guard let swift = ExecutableSearch.path(of: "swift") else { throw BenchmarkError("swift is not on PATH") }
        return try await CommandRun.run(swift, arguments, workingDirectory: directory, timeout: .seconds(30 * 60))
    }
}

extension FileManager {
    /// Makes `destination` hold exactly the files of `source`, rewriting only files whose bytes differ (so that a
    /// reused build directory stays incremental).
    func mirror(_ source: URL, to destination: URL) throws {
        try createDirectory(at: destination, withIntermediateDirectories: true)
        let wanted = try contentsOfDirectory(atPath: source.path)
        for name in try contentsOfDirectory(atPath: destination.path) where !wanted.contains(name) {
            try removeItem(at: destination.appending(path: name))
        }
        for name in wanted {
            let from = source.appending(path: name)
            var isDirectory: ObjCBool = false
            _ = fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try mirror(from, to: destination.appending(path: name))
            } else {
                try writeIfChanged(Data(contentsOf: from), to: destination.appending(path: name))
            }
        }
    }

    /// Writes `data` unless the file already holds exactly these bytes.
    func writeIfChanged(_ data: Data, to url: URL) throws {
        if let existing = try? Data(contentsOf: url), existing == data { return }
        try createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}
