import Foundation

/// A file as it was at a git revision, read with the `git` on the `PATH` (`diff --base`).
struct GitRevisionFile {
    /// `REV:path`, the path from the repository's root: what diagnostics and the diff call the file.
    let name: String
    /// Its contents at the revision.
    let bytes: [UInt8]

    /// Why git could not give the file; the message says what to do.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `path` (a file in a git working tree) as it was at `revision` (a commit, branch or tag).
    static func read(_ path: String, at revision: String) throws(Failure) -> GitRevisionFile {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "cannot read \(path) at revision '\(revision)': its folder \(directory.path) does not exist")
        }
        // git reads `REV:path` from the repository's root, so the path is the working directory's prefix plus the name.
        let prefix = try git(["rev-parse", "--show-prefix"], in: directory, doing: "find the git repository of \(path)")
        let repositoryPath = String(decoding: prefix, as: UTF8.self).trimmingCharacters(in: .newlines) + url.lastPathComponent
        let name = "\(revision):\(repositoryPath)"
        let bytes = try git(["show", "--no-textconv", name], in: directory, doing: "read \(repositoryPath) at revision '\(revision)'")
        return GitRevisionFile(name: name, bytes: Array(bytes))
    }

    private static func git(_ arguments: [String], in directory: URL, doing action: String) throws(Failure) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot \(action): git did not start (\(error.localizedDescription)); compare two files instead: cache-schema diff OLD NEW")
        }
        // git writes the file to standard output and at most a line or two to standard error, so reading the output to
        // its end first cannot leave git blocked on a full error pipe.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0:
            return data
        case 127:
            throw Failure(description: "cannot \(action): git is not installed or not on the PATH; install it, or compare two files: cache-schema diff OLD NEW")
        default:
            let said = message.isEmpty ? "git exited with status \(process.terminationStatus)" : "git says: \(message)"
            throw Failure(description: "cannot \(action) (\(said)); check the revision (git log --oneline) and that the file existed there, or compare two files: cache-schema diff OLD NEW")
        }
    }
}
