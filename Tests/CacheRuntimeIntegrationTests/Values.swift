import Foundation

/// The reference schema's typed key `user` holds this.
struct UserDTO: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
    var email: String
}

/// What an older deploy stored under the same key: a different shape.
struct LegacyUserDTO: Codable, Sendable, Equatable {
    var id: Int
    var fullName: String
}

struct OrdersPage: Codable, Sendable, Equatable {
    var page: Int
    var items: [String]
}
