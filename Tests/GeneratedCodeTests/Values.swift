import Foundation

// The value types that `shop.cache.yaml` names (`value: UserDTO`) must exist in the module that applies the plugin:
// the generated `CacheKeys.user(userID:)` returns `CacheKey<UserDTO>`.

/// The user the `user` key holds, as the shop service stores it.
struct UserDTO: Codable, Sendable, Hashable {
    var id: UUID
    var name: String
    var email: String
}

/// A value type chosen at the call site for keys whose schema declares no `value:`.
struct OrderDTO: Codable, Sendable, Hashable {
    var id: UUID
    var totalCents: Int
}

/// A page of orders, for the `userOrders` key.
struct OrdersPage: Codable, Sendable, Hashable {
    var page: Int
    var items: [OrderDTO]
}
