import Foundation
import Hummingbird

/// What the service answered, from the router test framework or from the running process alike.
struct HTTPReply: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    /// `X-Cache`: `hit`, `miss` or `bypass` on a cached GET.
    var xCache: String? { headers[.init("X-Cache")!] }
    /// `X-Cache-Write`: `ok`, `failed` or `bypassed` after a write.
    var xCacheWrite: String? { headers[.init("X-Cache-Write")!] }
    var contentType: String? { headers[.contentType] }

    /// The body as a JSON object.
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw ReplyError("not a JSON object: \(text.prefix(500))")
        }
        return object
    }

    /// The body as a JSON array of objects.
    func array() throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw ReplyError("not a JSON array: \(text.prefix(500))")
        }
        return array
    }

    /// The `error` field of a JSON error body (`not_found`, `bad_request`, …), or `nil`.
    var errorCode: String? { (try? object())?["error"] as? String }

    var description: String { "\(status) X-Cache=\(xCache ?? "-") \(text.prefix(400))" }
}

/// A reply that is not what a test can read.
struct ReplyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
