import Testing

@testable import CacheSchemaRedis

@Suite struct RedisURLTests {
    @Test func fullURL() throws {
        let configuration = try RedisConnectionConfiguration(url: "redis://alice:s%40cret@cache.internal:6380/3")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.username == "alice")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == 3)
        #expect(configuration.tls == nil)
        #expect(configuration.description == "redis://alice:***@cache.internal:6380/3")
    }

    @Test func defaultsAndPasswordOnly() throws {
        let plain = try RedisConnectionConfiguration(url: "redis://localhost")
        #expect(plain.host == "localhost" && plain.port == 6379 && plain.database == 0 && plain.username == nil)
        let passwordOnly = try RedisConnectionConfiguration(url: "redis://:hunter2@127.0.0.1")
        #expect(passwordOnly.username == nil)
        #expect(passwordOnly.password == "hunter2")
        #expect(!passwordOnly.description.contains("hunter2"))
    }

    @Test func tlsAndIPv6() throws {
        let configuration = try RedisConnectionConfiguration(url: "rediss://[::1]:6390/1")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 6390)
        #expect(configuration.tls != nil)
        #expect(configuration.address == "[::1]:6390")
    }

    @Test(arguments: ["http://x", "redis://host:notaport", "redis://host:70000", "redis://host/abc", "redis://[::1"])
    func invalidURLs(url: String) {
        #expect(throws: RedisError.self) { try RedisConnectionConfiguration(url: url) }
    }

    @Test func invalidURLErrorNeverEchoesThePassword() {
        do {
            _ = try RedisConnectionConfiguration(url: "redis://u:topsecret@host:bad")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .configuration)
            #expect(!error.description.contains("topsecret"))
        }
    }

    @Test func serverErrorParsing() {
        let moved = RedisServerError(message: "MOVED 3999 127.0.0.1:6381")
        #expect(moved.code == .moved)
        #expect(moved.redirection == .init(slot: 3999, host: "127.0.0.1", port: 6381))
        let ask = RedisServerError(message: "ASK 42 [::1]:7000")
        #expect(ask.code == .ask)
        #expect(ask.redirection == .init(slot: 42, host: "::1", port: 7000))
        #expect(RedisServerError(message: "WRONGTYPE Operation against a key holding the wrong kind of value").code == .wrongType)
        #expect(RedisServerError(message: "NOSCRIPT No matching script.").code == .noScript)
        #expect(RedisServerError(message: "ERR unknown command 'FOO'").code == .err)
        #expect(RedisServerError(message: "WRONGPASS invalid username-password pair").code == .wrongPass)
        #expect(RedisServerError(message: "NOAUTH Authentication required.").code == .noAuth)
    }
}
