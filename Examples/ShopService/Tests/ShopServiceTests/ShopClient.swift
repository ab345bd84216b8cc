import Hummingbird
import HummingbirdTesting
import NIOCore

/// Sends requests to the service, through Hummingbird's router test framework or over HTTP to the running process,
/// so that both kinds of test read alike.
struct ShopClient: Sendable {
    private let send: @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws -> HTTPReply

    /// Through the router (`app.test(.router)`): no socket, the application's own routing and middleware.
    init(router client: some TestClientProtocol) {
        send = { path, method, headers, body in
            let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body)
            return HTTPReply(status: response.status.code, headers: response.headers, body: Array(buffer: response.body))
        }
    }

    /// Over HTTP to `127.0.0.1:port`, one connection per request (a service may close a connection after an error).
    init(port: Int) {
        send = { path, method, headers, body in
            try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))) { client in
                let response = try await client.execute(.init(path, method: method, authority: "127.0.0.1", headers: headers, body: body))
                return HTTPReply(
                    status: response.status.code, headers: response.head.headerFields, body: response.body.map { Array(buffer: $0) } ?? [])
            }
        }
    }

    func get(_ path: String) async throws -> HTTPReply {
        try await send(path, .get, [:], nil)
    }

    /// A request with an optional JSON body (sent as is, malformed or not).
    func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil) async throws -> HTTPReply {
        var headers: HTTPFields = [:]
        if json != nil { headers[.contentType] = "application/json" }
        return try await send(path, method, headers, json.map { ByteBuffer(string: $0) })
    }
}
