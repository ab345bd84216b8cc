#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The harness's database: one file of records that every harness process opens, each record a version (raised by
/// every change) and whether it is deleted. Changes and reads hold an advisory lock on the file (`flock`), so every
/// change gets a version higher than all before it, in whichever process.
///
/// A lock is held for one `pread` or `pwrite`, microseconds; it is taken without blocking (`LOCK_NB`) and retried
/// after a yield, so a waiting task never holds a thread of Swift's cooperative pool. Each operation opens the file
/// anew: `flock` excludes open file descriptions, so tasks of one process sharing a descriptor would not exclude
/// each other.
public final class SourceOfTruth: Sendable {
    /// A record as the source holds it.
    public struct Row: Sendable, Hashable {
        public var version: UInt64
        public var deleted: Bool
    }

    /// An error of the file underneath, with the call and `errno`.
    public struct FileError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let rowSize = 16
    private let path: String
    /// How many records the file holds.
    public let records: Int

    /// Creates the file with `records` records at version 0 (replacing any file at `path`).
    public static func create(at path: String, records: Int) throws -> SourceOfTruth {
        let descriptor = openDescriptor(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw FileError(description: "cannot create \(path): errno \(errno)") }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(records * rowSize)) == 0 else { throw FileError(description: "cannot size \(path): errno \(errno)") }
        return SourceOfTruth(path: path, records: records)
    }

    /// Opens a file made by ``create(at:records:)``.
    public static func open(at path: String) throws -> SourceOfTruth {
        var status = stat()
        guard stat(path, &status) == 0 else { throw FileError(description: "cannot open \(path): errno \(errno)") }
        return SourceOfTruth(path: path, records: Int(status.st_size) / rowSize)
    }

    private init(path: String, records: Int) {
        self.path = path
        self.records = records
    }

    /// The record as it is now.
    public func read(_ record: Int) async throws -> Row {
        try await locked(LOCK_SH) { try Self.readRow(record, from: $0) }
    }

    /// Raises the record's version and marks it present (an update); returns the new version.
    public func update(_ record: Int) async throws -> UInt64 {
        try await change(record, deleted: false)
    }

    /// Raises the record's version and marks it deleted; returns the new version.
    public func delete(_ record: Int) async throws -> UInt64 {
        try await change(record, deleted: true)
    }

    private func change(_ record: Int, deleted: Bool) async throws -> UInt64 {
        try await locked(LOCK_EX) { descriptor in
            let row = Row(version: try Self.readRow(record, from: descriptor).version + 1, deleted: deleted)
            try Self.writeRow(row, record, to: descriptor)
            return row.version
        }
    }

    private func locked<Result>(_ operation: Int32, _ body: (Int32) throws -> Result) async throws -> Result {
        let descriptor = openDescriptor(path, O_RDWR)
        guard descriptor >= 0 else { throw FileError(description: "cannot open \(path): errno \(errno)") }
        defer { close(descriptor) }
        while flock(descriptor, operation | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw FileError(description: "flock failed: errno \(errno)") }
            await Task.yield()
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body(descriptor)
    }

    private static func readRow(_ record: Int, from descriptor: Int32) throws -> Row {
        var fields: (UInt64, UInt64) = (0, 0)
        let count = withUnsafeMutableBytes(of: &fields) { pread(descriptor, $0.baseAddress, rowSize, off_t(record * rowSize)) }
        guard count == rowSize else { throw FileError(description: "cannot read record \(record): errno \(errno)") }
        return Row(version: fields.0, deleted: fields.1 != 0)
    }

    private static func writeRow(_ row: Row, _ record: Int, to descriptor: Int32) throws {
        var fields: (UInt64, UInt64) = (row.version, row.deleted ? 1 : 0)
        let count = withUnsafeBytes(of: &fields) { pwrite(descriptor, $0.baseAddress, rowSize, off_t(record * rowSize)) }
        guard count == rowSize else { throw FileError(description: "cannot write record \(record): errno \(errno)") }
    }
}

/// `open(2)`, named apart from ``SourceOfTruth/open(at:)``.
private func openDescriptor(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, flags, mode)
    #else
    Darwin.open(path, flags, mode)
    #endif
}
