import CacheSchemaRESP
import Foundation
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Connection set-up against real servers: AUTH, ACL users, RESP2 fallback, SELECT, TLS, push messages.
@Suite struct RedisConnectionTests {
    @Test func wrongPasswordIsAnAuthenticationErrorWithoutThePassword() async throws {
        let server = try await RedisServerProcess.start(arguments: ["--requirepass", "right-password"])
        defer { Task { await server.stop() } }
        do {
            _ = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://:wrong-password@127.0.0.1:\(server.port)"))
            Issue.record("expected an authentication error")
        } catch let error as RedisError {
            #expect(error.kind == .authentication)
            #expect(!error.description.contains("wrong-password"))
            #expect(error.description.contains("check the user and password"))
        }
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://:right-password@127.0.0.1:\(server.port)"))
        #expect(try await connection.ping() == "PONG")
        await connection.close()
        // Without a password the connection is refused at once, not on its first command.
        do {
            _ = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://127.0.0.1:\(server.port)"))
            Issue.record("expected an authentication error")
        } catch let error as RedisError {
            #expect(error.kind == .authentication)
            #expect(error.description.contains("NOAUTH"))
        }
    }

    @Test func aclUserAndDatabaseSelection() async throws {
        let server = try await RedisServerProcess.start()
        defer { Task { await server.stop() } }
        #expect(try await server.cli(["ACL", "SETUSER", "app", "on", ">app-secret", "~cache:*", "+@all"]) == "OK")
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://app:app-secret@127.0.0.1:\(server.port)/2"))
        try await connection.set("cache:x", "1")
        #expect(try await server.cli(["-n", "2", "GET", "cache:x"]) == "1")
        #expect(try await server.cli(["-n", "0", "EXISTS", "cache:x"]) == "0")
        do {
            try await connection.set("other:x", "1")
            Issue.record("expected NOPERM")
        } catch let error as RedisError {
            #expect(error.server?.code == .noPerm)
        }
        await connection.close()
        await #expect(throws: RedisError.self) {
            _ = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://app:nope@127.0.0.1:\(server.port)"))
        }
    }

    @Test func fallsBackToRESP2WhenTheServerHasNoHello() async throws {
        let server = try await RedisServerProcess.start(arguments: ["--rename-command", "HELLO", "", "--requirepass", "pw"])
        defer { Task { await server.stop() } }
        var configuration = try testConfiguration(url: "redis://:pw@127.0.0.1:\(server.port)/1")
        configuration.clientName = "resp2-test"
        let connection = try await RedisConnection.connect(configuration: configuration)
        #expect(connection.protocolVersion == 2)
        try await connection.set("k", "v")
        #expect(try await connection.get("k") == ByteBuffer(string: "v"))
        #expect(try await connection.get("missing") == nil)
        #expect(try await connection.raw(["CLIENT", "GETNAME"]) == .bulkString(ByteBuffer(string: "resp2-test")))
        await connection.close()
    }

    @Test func connectionRefusedSaysWhereAndWhat() async throws {
        let port = try LoopbackPort.free()
        do {
            _ = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://127.0.0.1:\(port)"))
            Issue.record("expected connectionFailed")
        } catch let error as RedisError {
            #expect(error.kind == .connectionFailed)
            #expect(error.address == "127.0.0.1:\(port)")
            #expect(error.description.contains("check that redis-server runs there"))
        }
    }

    @Test func clientTrackingDeliversInvalidationPushes() async throws {
        try await withRedis { _, client in
            let (stream, continuation) = AsyncStream.makeStream(of: RedisInvalidation.self)
            let tracking = try await client.makeDedicatedConnection { push in
                if let invalidation = RedisInvalidation(push: push) { continuation.yield(invalidation) }
            }
            try await tracking.clientTracking(true)
            try await client.set("tracked", "1")
            _ = try await tracking.get("tracked")
            try await client.set("tracked", "2")
            var iterator = stream.makeAsyncIterator()
            let invalidation = await iterator.next()
            #expect(invalidation?.keys == ["tracked"])
            // Replies still reach their commands around pushes.
            #expect(try await tracking.get("tracked") == ByteBuffer(string: "2"))
            await tracking.close()
        }
    }

    @Test func tlsWithACertificateTheTestCreates() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestCertificates.create(in: directory)
        let tlsPort = try LoopbackPort.free()
        let server = try await RedisServerProcess.start(arguments: [
            "--tls-port", String(tlsPort),
            "--tls-cert-file", directory.appendingPathComponent("server.crt").path,
            "--tls-key-file", directory.appendingPathComponent("server.key").path,
            "--tls-ca-cert-file", directory.appendingPathComponent("ca.crt").path,
            "--tls-auth-clients", "no",
        ])
        defer { Task { await server.stop() } }
        var configuration = try testConfiguration(url: "rediss://127.0.0.1:\(tlsPort)")
        configuration.tls?.caCertificatePath = directory.appendingPathComponent("ca.crt").path
        configuration.tls?.serverHostname = "localhost"
        let connection = try await RedisConnection.connect(configuration: configuration)
        try await connection.set("secure", "yes")
        #expect(try await connection.get("secure") == ByteBuffer(string: "yes"))
        await connection.close()
        // A client that does not trust the CA refuses the server.
        var untrusting = try testConfiguration(url: "rediss://127.0.0.1:\(tlsPort)")
        untrusting.tls?.serverHostname = "localhost"
        do {
            _ = try await RedisConnection.connect(configuration: untrusting)
            Issue.record("expected a TLS failure")
        } catch let error as RedisError {
            #expect(error.kind == .tls || error.kind == .connectionFailed)
        }
    }
}

/// Creates a CA and a server certificate for `localhost` / `127.0.0.1` with the openssl command.
enum TestCertificates {
    static func create(in directory: URL) async throws {
        let extFile = directory.appendingPathComponent("san.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(to: extFile, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=CacheSchema Test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext"],
        ]
        let openssl = try ExecutableSearch.require("openssl", package: "openssl")
        for arguments in steps {
            let run = try await CommandRun.run(openssl, arguments, workingDirectory: directory)
            guard run.status == 0 else { throw TestServerError("openssl \(arguments[0]) failed: \(run.output.suffix(500))") }
        }
    }
}
