import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered with its status and a JSON body `{"error", "message"}`. Handlers throw these for every client
/// mistake (400, 404, 409, 413), so that malformed input never becomes a 500.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    static func conflict(_ message: String) -> APIError { APIError(status: .conflict, message: message) }

    /// `not_found` for 404, `bad_request` for 400, …: the reason phrase in snake_case.
    var code: String {
        status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
    }

    var response: Response {
        JSONResponse.make(ErrorBody(error: code, message: message), status: status)
    }
}

/// Turns every error into a JSON error response: `APIError` as it says, Hummingbird's own `HTTPError`s (unknown
/// routes, bodies over the size limit) with their status, and anything else as a logged 500 whose body says nothing
/// about internals.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return APIError(status: error.status, message: message).response
        } catch let error as any HTTPResponseError {
            // Hummingbird's and NIO's own client errors (e.g. a body past the size limit).
            return APIError(status: error.status, message: error.status.reasonPhrase).response
        } catch {
            context.logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            return APIError(status: .internalServerError, message: "internal error").response
        }
    }
}

enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    /// Sorted keys, so that a response is the same bytes every time (whether its value came from SQLite or Redis).
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A JSON response. Encoding the API's own value types cannot fail; if it ever did, that is a bug (500).
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            return Response(status: .internalServerError, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: #"{"error":"internal_server_error","message":"cannot encode the response"}"#)))
        }
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    /// `X-Cache: hit|miss|bypass` on every cached GET.
    static let xCache = HTTPField.Name("X-Cache")!
    /// `X-Cache-Write: ok|failed` on every write: whether the cache was updated after the database (see README).
    static let xCacheWrite = HTTPField.Name("X-Cache-Write")!
}

// MARK: Input validation

enum Input {
    /// The largest request body accepted (413 beyond it).
    static let maxBodySize = 64 * 1024

    /// A UUID path parameter, or 400.
    static func uuid(_ context: some RequestContext, _ name: String, what: String) throws -> UUID {
        let text = context.parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else {
            throw APIError.badRequest("'\(text.prefix(100))' is not a valid \(what) id (a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7)")
        }
        return id
    }

    /// An integer query parameter within `range`, `defaultValue` when absent, or 400.
    static func integer(_ request: Request, _ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Decodes a JSON body, or 400 naming what is wrong (413 past ``maxBodySize``).
    static func body<Body: Decodable>(_ request: Request, as type: Body.Type) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            throw APIError(status: .contentTooLarge, message: "the body is larger than \(maxBodySize) bytes")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw APIError.badRequest("the body is not the expected JSON: \(describe(error))")
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : "'" + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) must be \(describe(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)) must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "it is not valid JSON (\(context.debugDescription))" : "\(path(context.codingPath)) is invalid (\(context.debugDescription))"
        @unknown default: return "it cannot be decoded"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is UUID.Type: "a UUID string"
        case is [MenuItemDTO].Type: "an array of menu items"
        default: "\(type)".hasPrefix("Dictionary") ? "a JSON object" : "\(type)".hasPrefix("Array") ? "a JSON array" : "a JSON \(type)"
        }
    }

    /// A display name: 1 to 200 characters, not blank, no control characters.
    static func name(_ text: String, field: String = "name") throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("'\(field)' must be 1 to 200 characters, not blank, without control characters")
        }
        return trimmed
    }

    private static let localCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-".unicodeScalars)
    private static let domainCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789.-".unicodeScalars)

    /// An e-mail address, normalised to lower case: `local@domain.tld`, ASCII, at most 254 characters, the local part
    /// in RFC 5321's atom characters (so `a+tag@x.org` and even `*@x.org` are valid: the cache key encoding escapes
    /// them), the domain in letters, digits, `-` and `.` with at least one dot. Anything else is 400.
    static func email(_ text: String) throws -> String {
        let email = text.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2,
            let local = parts.first, let domain = parts.last,
            (1...64).contains(local.utf8.count), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
            local.unicodeScalars.allSatisfy(localCharacters.contains),
            domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
            !domain.hasPrefix("-"), domain.unicodeScalars.allSatisfy(domainCharacters.contains)
        else {
            throw APIError.badRequest("'\(text.prefix(300))' is not a valid e-mail address")
        }
        return email
    }
}
