import CacheRuntime
import Foundation
import Testing

/// The generated `CacheKeys`, `CacheKeyDescriptors` and `CacheTTL` of `shop.cache.yaml`, used as application code
/// uses them.
@Suite("Generated keys")
struct GeneratedKeyTests {
    @Test("user(userID:) is a typed key with the concrete name, TTL and schema name")
    func typedKey() {
        let key: CacheKey<UserDTO> = CacheKeys.user(userID: Fixtures.userID)
        #expect(type(of: CacheKeys.user(userID: Fixtures.userID)) == CacheKey<UserDTO>.self)
        #expect(String(describing: key) == "shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}")
        #expect("\(key)" == key.rawValue)
        #expect(key.ttl == .seconds(300))
        #expect(key.name == "user")
        #expect(key.descriptor == CacheKeyDescriptors.user)
        #expect(key.descriptor.entity == "user")
        #expect(key.descriptor.pattern == "user:{user_id}")
        #expect(key.descriptor.qualifiedPattern == "shop:user:{user_id}")
        #expect(key.descriptor.namespace == "shop")
        #expect(key.descriptor.ttlClass == "user")
        #expect(key.descriptor.valueType == "UserDTO")
        #expect(key.descriptor.invalidatedBy == ["user"])
        #expect(key.descriptor.parameters == [CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid)])
    }

    @Test("UUIDs are lower-case canonical whatever case they were parsed from")
    func uuidCase() {
        for id in Fixtures.identities {
            let lower = UUID(uuidString: id.uuidString.lowercased())!
            #expect(CacheKeys.user(userID: lower).rawValue == "shop:user:{\(id.uuidString.lowercased())}")
            #expect(CacheKeys.user(userID: id) == CacheKeys.user(userID: lower))
        }
    }

    @Test("keys without value: take their type at the call site")
    func untypedKeys() {
        let id = Fixtures.orderID
        let order = CacheKeys.order(orderID: id, as: OrderDTO.self)
        #expect(type(of: order) == CacheKey<OrderDTO>.self)
        #expect(order.rawValue == "shop:order:{e621e1f8-c36c-495a-93fc-0c247a3e6e5f}")
        #expect(order.ttl == .seconds(120))
        #expect(order.name == "order")
        #expect(order.descriptor.valueType == nil)

        // Inferred from context instead of `as:`.
        let menu: CacheKey<[String]> = CacheKeys.restaurantMenu(restaurantID: Fixtures.restaurantID)
        #expect(menu.rawValue == "shop:restaurant:{a3bb189e-8bf9-3888-9912-ace4e6543002}:menu")
        #expect(menu.ttl == .seconds(1800))
        #expect(menu.name == "restaurantMenu")

        let restaurant = CacheKeys.restaurant(restaurantID: Fixtures.restaurantID, as: String.self)
        #expect(restaurant.rawValue == "shop:restaurant:{a3bb189e-8bf9-3888-9912-ace4e6543002}")
        #expect(restaurant.ttl == .seconds(3600))

        let byEmail = CacheKeys.userByEmail(email: "ada@example.com", as: UserDTO.self)
        #expect(type(of: byEmail) == CacheKey<UserDTO>.self)
        #expect(byEmail.rawValue == "shop:user:email:{ada@example.com}")
        #expect(byEmail.ttl == .seconds(300))
        #expect(byEmail.name == "userByEmail")

        // Changing the value type keeps everything else.
        let retyped = order.withValueType(String.self)
        #expect(retyped.rawValue == order.rawValue)
        #expect(retyped.descriptor == order.descriptor)
        #expect(retyped.owners == order.owners)
    }

    @Test("a parameter default applies when the argument is left out")
    func defaults() {
        let id = Fixtures.userID
        let firstPage = CacheKeys.userOrders(userID: id, as: OrdersPage.self)
        #expect(firstPage.rawValue == "shop:orders:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}:page:1")
        #expect(firstPage == CacheKeys.userOrders(userID: id, page: 1, as: OrdersPage.self))
        #expect(CacheKeys.userOrders(userID: id, page: 3, as: OrdersPage.self).rawValue.hasSuffix(":page:3"))
        #expect(CacheKeys.userOrders(userID: id, page: -2, as: OrdersPage.self).rawValue.hasSuffix(":page:-2"))
        #expect(firstPage.ttl == .seconds(120))
        #expect(firstPage.descriptor.ttlClass == "order")
        #expect(firstPage.descriptor.parameters.map(\.name) == ["user_id", "page"])
        #expect(firstPage.descriptor.parameters.map(\.type) == [.uuid, .int])
    }

    @Test("CacheTTL has every TTL class of the schema")
    func ttlClasses() {
        #expect(CacheTTL.categories == .seconds(86400))
        let generated: [(String, Duration)] = [
            ("user", CacheTTL.user), ("order", CacheTTL.order), ("restaurant", CacheTTL.restaurant),
            ("menu", CacheTTL.menu), ("categories", CacheTTL.categories), ("config", CacheTTL.config),
            ("session", CacheTTL.session), ("otp", CacheTTL.otp),
        ]
        let expected: [(String, Duration)] = [
            ("user", .seconds(300)), ("order", .seconds(120)), ("restaurant", .seconds(3600)), ("menu", .seconds(1800)),
            ("categories", .seconds(86400)), ("config", .seconds(43200)), ("session", .seconds(7200)),
            ("otp", .seconds(300)),
        ]
        #expect(generated.map(\.0) == expected.map(\.0))
        #expect(generated.map(\.1) == expected.map(\.1))
        #expect(CacheKeys.schema.ttlClasses.map(\.name) == expected.map(\.0))
        #expect(CacheKeys.schema.ttlClasses.map(\.ttl) == expected.map(\.1))
        #expect(CacheTTL.schemaDefault == .seconds(300))
    }

    @Test("every key's TTL is its TTL class's; restaurantStats has a literal TTL and no class")
    func keyTTLsFollowClasses() throws {
        for descriptor in CacheKeys.schema.keys where descriptor.name != "restaurantStats" {
            let ttlClass = try #require(descriptor.ttlClass.flatMap { name in
                CacheKeys.schema.ttlClasses.first { $0.name == name }
            })
            #expect(descriptor.ttl == ttlClass.ttl, "key \(descriptor.name)")
        }
        let stats = CacheKeys.restaurantStats(restaurantID: Fixtures.restaurantID, as: [String: Int].self)
        #expect(stats.descriptor.ttlClass == nil && stats.ttl == .seconds(60))
        #expect(stats.rawValue == "shop:restaurant:{a3bb189e-8bf9-3888-9912-ace4e6543002}:stats")
        #expect(stats.name == "restaurantStats")
    }

    @Test("CacheKeys.schema describes the schema file")
    func schemaDescription() throws {
        let schema = CacheKeys.schema
        #expect(schema.source == "shop.cache.yaml")
        #expect(schema.namespace == "shop")
        #expect(schema.fingerprint.count >= 16)
        #expect(schema.fingerprint.allSatisfy { $0.isHexDigit })
        #expect(schema.keys.map(\.name) == ["user", "userByEmail", "userOrders", "order", "restaurant", "restaurantMenu", "restaurantStats"])
        #expect(schema.entities.map(\.name) == ["user", "userOrders", "order", "restaurant"])
        #expect(schema.keys == [
            CacheKeyDescriptors.user, CacheKeyDescriptors.userByEmail, CacheKeyDescriptors.userOrders,
            CacheKeyDescriptors.order, CacheKeyDescriptors.restaurant, CacheKeyDescriptors.restaurantMenu,
            CacheKeyDescriptors.restaurantStats,
        ])
        #expect(schema.key(named: "userOrders") == CacheKeyDescriptors.userOrders)
        #expect(schema.key(named: "nope") == nil)
        let user = try #require(schema.entity(named: "user"))
        #expect(user.keys == ["user", "userByEmail"])
        #expect(user.related == ["user:{user_id}:*"])
        #expect(user.identity == [CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid)])
        // The description round-trips through Codable, for tools that ship it around.
        let decoded = try JSONDecoder().decode(CacheSchemaDescription.self, from: JSONEncoder().encode(schema))
        #expect(decoded == schema)
    }

    @Test("each key's owners are the entity instances whose invalidation removes it")
    func owners() {
        let id = Fixtures.userID
        let encoded = id.uuidString.lowercased()
        #expect(CacheKeys.user(userID: id).owners == [CacheEntityInstance(entity: "user", identity: encoded)])
        #expect(
            CacheKeys.userOrders(userID: id, page: 4, as: OrdersPage.self).owners
                == [CacheEntityInstance(entity: "userOrders", identity: encoded)])
        #expect(
            CacheKeys.order(orderID: id, as: OrderDTO.self).owners
                == [CacheEntityInstance(entity: "order", identity: encoded)])
        #expect(
            CacheKeys.restaurant(restaurantID: id, as: String.self).owners
                == [CacheEntityInstance(entity: "restaurant", identity: encoded)])
        #expect(
            CacheKeys.restaurantMenu(restaurantID: id, as: String.self).owners
                == [CacheEntityInstance(entity: "restaurant", identity: encoded)])
        #expect(
            CacheKeys.restaurantStats(restaurantID: id, as: String.self).owners
                == [CacheEntityInstance(entity: "restaurant", identity: encoded)])
        // No invalidation reaches a user by e-mail (the schema's `check` warns about it), so nothing owns it.
        #expect(CacheKeys.userByEmail(email: "ada@example.com", as: UserDTO.self).owners.isEmpty)
        #expect(CacheEntityInstance(entity: "user", identity: encoded).description == "user(\(encoded))")
        // The instances carry the text between their keys' braces, which the runtime's index and marker keys use.
        #expect(CacheKeys.user(userID: id).owners.map(\.hashTag) == [encoded])
    }

    @Test("owners and invalidations agree: an owner's invalidation removes the key, and nothing else does")
    func ownersAgreeWithInvalidations() {
        let invalidations = Fixtures.identities.flatMap { id in EntityCase.all.map { $0.generated(id) } }
        for key in Fixtures.allKeys {
            let removers = Set(invalidations.filter { $0.removes(key.rawValue) }.map(\.instance))
            #expect(removers == Set(key.owners), "\(key.rawValue)")
        }
    }

    @Test("different parameter values never give the same concrete key")
    func keysAreDistinct() {
        var seen: [String: String] = [:]
        for id in Fixtures.identities {
            for key in Fixtures.keys(for: id) {
                let label = "\(key.name)(\(id))"
                // The same user-by-email key recurs across identities for the fixed e-mail values; skip those.
                if key.name == "userByEmail" { continue }
                #expect(seen[key.rawValue] == nil, "\(label) and \(seen[key.rawValue] ?? "") share \(key.rawValue)")
                seen[key.rawValue] = label
            }
        }
    }
}
