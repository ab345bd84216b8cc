import NIOCore
import Testing

@testable import CacheSchemaRedis

@Suite struct RedisCommandEncodingTests {
    @Test func staticNameAndArguments() {
        let command = RedisCommand("GET", "key")
        #expect(String(buffer: command.buffer) == "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
        #expect(command.name == "GET")
        let set = RedisCommand("SET", "k", "v", StaticString("PX"), 300, Optional<StaticString>.none)
        #expect(String(buffer: set.buffer) == "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nPX\r\n$3\r\n300\r\n")
        #expect(RedisCommand(arguments: ["CONFIG", "GET", "x"]).name == "CONFIG")
        #expect(RedisCommand(arguments: ["FOO"]).name == "OTHER")
    }
}
