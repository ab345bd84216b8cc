import CacheRuntime
import Foundation
import RedisTestSupport
import Testing

/// Identities and keys the tests share.
enum Fixtures {
    /// Written upper-case on purpose: keys must carry the canonical lower-case form.
    static let userID = UUID(uuidString: "7C9E6679-7425-40DE-944B-E07FC1F90AE7")!
    static let otherUserID = UUID(uuidString: "16FD2706-8BAF-433B-82EB-8C7FADA847DA")!
    static let orderID = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
    static let restaurantID = UUID(uuidString: "A3BB189E-8BF9-3888-9912-ACE4E6543002")!

    /// Identities at the edges of the UUID space, plus a few random ones.
    static let identities: [UUID] =
        [
            userID, otherUserID, orderID, restaurantID,
            UUID(uuidString: "00000000-0000-0000-0000-000000000000")!,
            UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!,
        ] + (0..<8).map { _ in UUID() }

    /// Every concrete key the schema can produce for one identity, with a spread of extra parameter values.
    static func keys(for id: UUID) -> [(name: String, rawValue: String, owners: [CacheEntityInstance])] {
        var keys: [(String, String, [CacheEntityInstance])] = []
        func add<Value>(_ key: CacheKey<Value>) { keys.append((key.name, key.rawValue, key.owners)) }
        add(CacheKeys.user(userID: id))
        for page in [1, 2, 0, -1, 10, Int.max, Int.min] {
            add(CacheKeys.userOrders(userID: id, page: page, as: OrdersPage.self))
        }
        add(CacheKeys.order(orderID: id, as: OrderDTO.self))
        add(CacheKeys.restaurant(restaurantID: id, as: String.self))
        add(CacheKeys.restaurantMenu(restaurantID: id, as: [String].self))
        add(CacheKeys.restaurantStats(restaurantID: id, as: [String: Int].self))
        for email in ["ada@example.com", id.uuidString.lowercased(), "\(id.uuidString.lowercased()):menu", "*"] {
            add(CacheKeys.userByEmail(email: email, as: UserDTO.self))
        }
        return keys
    }

    /// Every concrete key of every fixture identity.
    static let allKeys = identities.flatMap(keys(for:))
}

/// One entity of the schema, with the generated function that builds its invalidation.
struct EntityCase: Sendable, CustomTestStringConvertible {
    let name: String
    let identityParameter: String
    let generated: @Sendable (UUID) -> CacheInvalidation
    let invalidate: @Sendable (CacheInvalidator, UUID) async throws -> Void

    var testDescription: String { name }

    /// Every entity of `shop.cache.yaml`; a test checks that the list matches the schema.
    static let all: [EntityCase] = [
        EntityCase(
            name: "user", identityParameter: "user_id",
            generated: { CacheInvalidations.user(userID: $0) },
            invalidate: { try await $0.invalidateUser(userID: $1) }),
        EntityCase(
            name: "userOrders", identityParameter: "user_id",
            generated: { CacheInvalidations.userOrders(userID: $0) },
            invalidate: { try await $0.invalidateUserOrders(userID: $1) }),
        EntityCase(
            name: "order", identityParameter: "order_id",
            generated: { CacheInvalidations.order(orderID: $0) },
            invalidate: { try await $0.invalidateOrder(orderID: $1) }),
        EntityCase(
            name: "restaurant", identityParameter: "restaurant_id",
            generated: { CacheInvalidations.restaurant(restaurantID: $0) },
            invalidate: { try await $0.invalidateRestaurant(restaurantID: $1) }),
    ]
}

extension CacheInvalidation {
    /// Whether carrying out this invalidation deletes `key`: it is one of the keys, or a glob matches it.
    func removes(_ key: String) -> Bool {
        keys.contains { $0.rawValue == key } || patterns.contains { RedisGlob.matches($0.glob, key) }
    }
}
