import Foundation

/// Finds command-line tools (`redis-server`, `redis-cli`, `redis-benchmark`) the way a shell would.
public enum ExecutableSearch {
    /// The path of the executable `name` in a folder of `PATH`, else in the usual install folders (`/usr/local/bin`,
    /// `/usr/bin`, `/usr/sbin`, `/opt/homebrew/bin`: a test runner or IDE may start with a short `PATH`); `nil` when
    /// there is none.
    public static func path(of name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/usr/sbin", "/opt/homebrew/bin"]
        for folder in folders where !folder.isEmpty {
            let candidate = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The path of `name`, or a ``LocalRedisError`` of kind `notInstalled` that names the Debian package to install.
    public static func require(_ name: String, package: String) throws(LocalRedisError) -> String {
        guard let found = path(of: name) else {
            throw LocalRedisError(.notInstalled, "\(name) is not installed; install it (apt-get install -y \(package)) or put it on PATH")
        }
        return found
    }
}
