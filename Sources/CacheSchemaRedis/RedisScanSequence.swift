import CacheSchemaRESP
import NIOCore

/// `SCAN` / `SSCAN` as an `AsyncSequence`: each element is one key (or set member); cursor round trips happen as
/// the sequence is consumed, so a caller that stops early stops scanning.
public struct RedisScanSequence: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let sender: any RedisCommandSending
    let key: String?
    let match: String?
    let count: Int?
    let type: String?
    let timeout: Duration?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: RedisScanSequence
        var cursor = "0"
        var buffered: [ByteBuffer] = []
        var finished = false

        public mutating func next() async throws -> ByteBuffer? {
            while buffered.isEmpty {
                if finished { return nil }
                try await fetch()
            }
            return buffered.removeFirst()
        }

        private mutating func fetch() async throws {
            var arguments: [any RESPArgument] = []
            if let key = sequence.key {
                arguments = ["SSCAN", key, cursor]
            } else {
                arguments = ["SCAN", cursor]
            }
            if let match = sequence.match { arguments += ["MATCH", match] }
            if let count = sequence.count { arguments += ["COUNT", count] }
            if let type = sequence.type, sequence.key == nil { arguments += ["TYPE", type] }
            var buffer = ByteBuffer()
            RESPCommandEncoder.write(into: &buffer, arguments: arguments)
            let reply = try await sequence.sender.execute(RedisCommand(encoded: buffer, name: sequence.key == nil ? "SCAN" : "SSCAN"), timeout: sequence.timeout)
            guard case .array(let parts) = reply, parts.count == 2 else {
                throw RedisError(.unexpectedReply, "SCAN did not return [cursor, keys]")
            }
            cursor = try parts[0].text()
            switch parts[1] {
            case .array(let keys), .set(let keys): buffered = try keys.map { try $0.bytes() }
            default: throw RedisError(.unexpectedReply, "SCAN did not return a key list")
            }
            if cursor == "0" { finished = true }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }
}
