import Foundation

// The JSON the API speaks (snake_case, SPEC §7) and the values the cache stores. Each type spells its coding keys out,
// so the cached representation and the wire format are one and the same and never depend on encoder settings.

/// A user: `{"id", "name", "email"}`. The schema types the `user` key with it (`value: UserDTO`); `userByEmail`
/// chooses it at the call site.
struct UserDTO: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
    var email: String
}

/// An order: `{"id", "user_id", "restaurant_id", "total_cents", "created_at"}`; `created_at` is ISO 8601 UTC with
/// milliseconds.
struct OrderDTO: Codable, Sendable, Equatable {
    var id: UUID
    var userID: UUID
    var restaurantID: UUID
    var totalCents: Int
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id
        case userID = "user_id"
        case restaurantID = "restaurant_id"
        case totalCents = "total_cents"
        case createdAt = "created_at"
    }
}

/// One page of a user's orders, newest first: `{"page", "items": [order...]}`.
struct OrdersPageDTO: Codable, Sendable, Equatable {
    var page: Int
    var items: [OrderDTO]
}

/// A restaurant: `{"id", "name"}`.
struct RestaurantDTO: Codable, Sendable, Equatable {
    var id: UUID
    var name: String
}

/// A menu item: `{"name", "price_cents"}`.
struct MenuItemDTO: Codable, Sendable, Equatable {
    var name: String
    var priceCents: Int

    enum CodingKeys: String, CodingKey {
        case name
        case priceCents = "price_cents"
    }
}

/// A restaurant's menu: `{"restaurant_id", "items": [{"name", "price_cents"}]}`.
struct MenuDTO: Codable, Sendable, Equatable {
    var restaurantID: UUID
    var items: [MenuItemDTO]

    enum CodingKeys: String, CodingKey {
        case restaurantID = "restaurant_id"
        case items
    }
}

/// A restaurant's order statistics: `{"restaurant_id", "order_count", "revenue_cents", "top_customers": [...]}`, over
/// every order of the restaurant. A restaurant without orders has zeros and no top customers.
struct RestaurantStatsDTO: Codable, Sendable, Equatable {
    var restaurantID: UUID
    var orderCount: Int
    var revenueCents: Int
    /// At most five, by money spent at the restaurant (then by order count, then by user id).
    var topCustomers: [TopCustomerDTO]

    enum CodingKeys: String, CodingKey {
        case restaurantID = "restaurant_id"
        case orderCount = "order_count"
        case revenueCents = "revenue_cents"
        case topCustomers = "top_customers"
    }
}

/// One of a restaurant's top customers: `{"user_id", "name", "order_count", "spent_cents"}`, the counts over the orders
/// at that restaurant.
struct TopCustomerDTO: Codable, Sendable, Equatable {
    var userID: UUID
    var name: String
    var orderCount: Int
    var spentCents: Int

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case name
        case orderCount = "order_count"
        case spentCents = "spent_cents"
    }
}

// MARK: Request bodies

/// `POST /users`.
struct CreateUserBody: Decodable {
    var name: String
    var email: String
}

/// `PUT /users/{id}`: the fields to change (at least one).
struct UpdateUserBody: Decodable {
    var name: String?
    var email: String?
}

/// `POST /users/{id}/orders`.
struct CreateOrderBody: Decodable {
    var restaurantID: UUID
    var totalCents: Int

    enum CodingKeys: String, CodingKey {
        case restaurantID = "restaurant_id"
        case totalCents = "total_cents"
    }
}

/// `PUT /restaurants/{id}/menu`: the whole new menu; `restaurant_id`, when given, must be the path's.
struct UpdateMenuBody: Decodable {
    var restaurantID: UUID?
    var items: [MenuItemDTO]

    enum CodingKeys: String, CodingKey {
        case restaurantID = "restaurant_id"
        case items
    }
}

/// The body of every error response: `{"error": "not_found", "message": "no user with id …"}`.
struct ErrorBody: Codable, Sendable {
    var error: String
    var message: String
}

extension KeyedEncodingContainer {
    /// UUIDs in JSON are canonical lower case (`7c9e6679-…`), as in the cache keys, not Foundation's upper case. The
    /// synthesized `encode(to:)` of the types above picks this overload over the generic one. (Decoding accepts
    /// either case.)
    mutating func encode(_ value: UUID, forKey key: Key) throws {
        try encode(value.uuidString.lowercased(), forKey: key)
    }
}
