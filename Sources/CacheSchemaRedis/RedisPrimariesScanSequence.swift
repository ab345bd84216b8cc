import NIOCore

/// Keys of every primary: the `SCAN` of each in turn (of the one node for a ``RedisClient``).
public struct RedisPrimariesScanSequence: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let scans: [RedisScanSequence]

    /// How many primaries the sequence walks.
    public var primaryCount: Int { scans.count }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [RedisScanSequence]
        var current: RedisScanSequence.AsyncIterator?

        public mutating func next() async throws -> ByteBuffer? {
            while true {
                if current == nil {
                    guard !remaining.isEmpty else { return nil }
                    current = remaining.removeFirst().makeAsyncIterator()
                }
                if let key = try await current?.next() { return key }
                current = nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: scans, current: nil) }
}
