import CacheRuntime
import Foundation
import RedisTestSupport
import Testing

/// The generated `CacheInvalidations`, the generic `CacheKeys.schema.invalidation(entity:identity:)` path and the
/// generated `CacheInvalidator`.
@Suite("Generated invalidations")
struct InvalidationTests {
    @Test("the test's entity list is the schema's")
    func entityListIsComplete() {
        #expect(EntityCase.all.map(\.name) == CacheKeys.schema.entities.map(\.name))
        for entity in EntityCase.all {
            #expect(CacheKeys.schema.entity(named: entity.name)?.identity.map(\.name) == [entity.identityParameter])
        }
    }

    @Test("invalidating a user removes its key and its related glob, and nothing by e-mail")
    func user() {
        let invalidation = CacheInvalidations.user(userID: Fixtures.userID)
        let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        #expect(invalidation.instance == CacheEntityInstance(entity: "user", identity: id))
        #expect(invalidation.namespace == "shop")
        #expect(invalidation.keys == [CacheInvalidation.Key(name: "user", rawValue: "shop:user:{\(id)}")])
        #expect(invalidation.patterns == [
            // It reaches no declared key: only a scan can find what it matches.
            CacheInvalidation.Pattern(origin: .related("user:{user_id}:*"), glob: "shop:user:{\(id)}:*", indexed: false)
        ])
    }

    @Test("invalidating a user's orders removes every page")
    func userOrders() {
        let invalidation = CacheInvalidations.userOrders(userID: Fixtures.userID)
        let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        #expect(invalidation.instance == CacheEntityInstance(entity: "userOrders", identity: id))
        #expect(invalidation.keys.isEmpty)
        #expect(invalidation.patterns == [
            CacheInvalidation.Pattern(origin: .key("userOrders"), glob: "shop:orders:user:{\(id)}:page:*"),
            // Every key this related pattern reaches carries the user's id, so the runtime's index covers it.
            CacheInvalidation.Pattern(origin: .related("orders:user:{user_id}:*"), glob: "shop:orders:user:{\(id)}:*", indexed: true),
        ])
        for page in [1, 2, 99, -1, Int.max] {
            let key = CacheKeys.userOrders(userID: Fixtures.userID, page: page, as: OrdersPage.self)
            #expect(invalidation.removes(key.rawValue))
            #expect(!CacheInvalidations.userOrders(userID: Fixtures.otherUserID).removes(key.rawValue))
        }
    }

    @Test("invalidating an order or a restaurant removes exactly its keys")
    func orderAndRestaurant() {
        let order = CacheInvalidations.order(orderID: Fixtures.orderID)
        #expect(order.instance == CacheEntityInstance(entity: "order", identity: "e621e1f8-c36c-495a-93fc-0c247a3e6e5f"))
        #expect(order.keys == [
            CacheInvalidation.Key(name: "order", rawValue: "shop:order:{e621e1f8-c36c-495a-93fc-0c247a3e6e5f}")
        ])
        #expect(order.patterns.isEmpty)

        let restaurant = CacheInvalidations.restaurant(restaurantID: Fixtures.restaurantID)
        let id = "a3bb189e-8bf9-3888-9912-ace4e6543002"
        #expect(restaurant.instance == CacheEntityInstance(entity: "restaurant", identity: id))
        #expect(restaurant.keys == [
            CacheInvalidation.Key(name: "restaurant", rawValue: "shop:restaurant:{\(id)}"),
            CacheInvalidation.Key(name: "restaurantMenu", rawValue: "shop:restaurant:{\(id)}:menu"),
            CacheInvalidation.Key(name: "restaurantStats", rawValue: "shop:restaurant:{\(id)}:stats"),
        ])
        #expect(restaurant.patterns.isEmpty)
    }

    @Test("the generic path builds the same invalidation as the generated function", arguments: EntityCase.all)
    func genericPathMatchesGenerated(entity: EntityCase) throws {
        for id in Fixtures.identities {
            for text in [id.uuidString, id.uuidString.lowercased()] {
                let generic = try CacheKeys.schema.invalidation(entity: entity.name, identity: [entity.identityParameter: text])
                // One failure per entity is enough to show the difference.
                guard generic == entity.generated(id) else {
                    #expect(generic == entity.generated(id), "\(entity.name)(\(text))")
                    return
                }
            }
        }
    }

    @Test("the generic path reports an unknown entity")
    func unknownEntity() {
        let error = #expect(throws: CacheSchemaDescriptionError.self) {
            try CacheKeys.schema.invalidation(entity: "users", identity: ["user_id": Fixtures.userID.uuidString])
        }
        #expect(error == .unknownEntity("users", known: ["user", "userOrders", "order", "restaurant"]))
        #expect(error?.description.contains("users") == true)
        #expect(error?.description.contains("userOrders") == true)
    }

    @Test("the generic path reports a missing or an extra parameter")
    func missingAndExtraParameters() {
        let missing = #expect(throws: CacheSchemaDescriptionError.self) {
            try CacheKeys.schema.invalidation(entity: "order", identity: [:])
        }
        #expect(missing == .missingParameter(entity: "order", parameter: "order_id"))

        let wrongName = #expect(throws: CacheSchemaDescriptionError.self) {
            try CacheKeys.schema.invalidation(entity: "order", identity: ["orderID": Fixtures.orderID.uuidString])
        }
        #expect(wrongName == .unexpectedParameter(entity: "order", parameter: "orderID", expected: ["order_id"]))

        let extra = #expect(throws: CacheSchemaDescriptionError.self) {
            try CacheKeys.schema.invalidation(
                entity: "user", identity: ["user_id": Fixtures.userID.uuidString, "email": "ada@example.com"])
        }
        #expect(extra == .unexpectedParameter(entity: "user", parameter: "email", expected: ["user_id"]))
    }

    @Test(
        "the generic path rejects a value that is not a UUID, without echoing it",
        arguments: ["", "42", "not-a-uuid", "7c9e6679-7425-40de-944b-e07fc1f90ae", "*", "7c9e6679-7425-40de-944b-e07fc1f90ae7:*",
            " 7c9e6679-7425-40de-944b-e07fc1f90ae7", "{user_id}", "\u{0}secret\n"])
    func invalidUUID(text: String) {
        let error = #expect(throws: CacheSchemaDescriptionError.self) {
            try CacheKeys.schema.invalidation(entity: "user", identity: ["user_id": text])
        }
        #expect(error == .invalidValue(entity: "user", parameter: "user_id", type: "UUID", value: text))
        if let error, text.count > 3 {
            #expect(!error.description.contains(text))
        }
    }

    @Test("invalidation globs contain glob characters only where the schema's pattern has them", arguments: EntityCase.all)
    func globsAreNotWidened(entity: EntityCase) throws {
        let description = try #require(CacheKeys.schema.entity(named: entity.name))
        for id in Fixtures.identities {
            let invalidation = entity.generated(id)
            let identity = [entity.identityParameter: id.uuidString.lowercased()]
            #expect(!invalidation.instance.identity.contains { RedisGlob.specialCharacters.contains($0) })
            for key in invalidation.keys {
                #expect(!key.rawValue.contains { RedisGlob.specialCharacters.contains($0) }, "\(key.rawValue)")
            }
            for pattern in invalidation.patterns {
                let template: String
                switch pattern.origin {
                case .key(let name):
                    #expect(description.keys.contains(name))
                    template = try #require(CacheKeys.schema.key(named: name)).pattern
                case .related(let related):
                    #expect(description.related.contains(related))
                    template = related
                }
                // Render the schema's pattern independently: identity placeholders get their value inside the hash tag's
                // braces (every entity of the reference schema has one id parameter), others `*`.
                let expected = "shop:" + render(template, identity)
                #expect(pattern.glob == expected)
                let templateSpecials = expected.filter { RedisGlob.specialCharacters.contains($0) }
                #expect(pattern.glob.filter { RedisGlob.specialCharacters.contains($0) } == templateSpecials)
                #expect(templateSpecials.allSatisfy { $0 == "*" }, "\(pattern.glob)")
            }
        }
    }

    /// `{name}` replaced by `{` + `values[name]` + `}`, or by `*` when it has no value.
    private func render(_ pattern: String, _ values: [String: String]) -> String {
        var result = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            result += values[String(rest[rest.index(after: open)..<close])].map { "{\($0)}" } ?? "*"
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}

/// A `CacheInvalidating` that records what it is asked to do and can be told to fail.
actor RecordingInvalidationTarget: CacheInvalidating {
    private(set) var received: [CacheInvalidation] = []
    private var failure: (any Error & Sendable)?

    func failNext(with error: any Error & Sendable) {
        failure = error
    }

    func invalidate(_ invalidation: CacheInvalidation) async throws {
        received.append(invalidation)
        if let failure {
            self.failure = nil
            throw failure
        }
    }
}

struct TargetDown: Error, Equatable {}

@Suite("Generated invalidator")
struct InvalidatorTests {
    @Test("each invalidate<Entity> method hands its target the generated invalidation", arguments: EntityCase.all)
    func typedMethods(entity: EntityCase) async throws {
        let target = RecordingInvalidationTarget()
        let invalidator = CacheInvalidator(target)
        try await entity.invalidate(invalidator, Fixtures.userID)
        try await entity.invalidate(invalidator, Fixtures.otherUserID)
        #expect(await target.received == [entity.generated(Fixtures.userID), entity.generated(Fixtures.otherUserID)])
        #expect(await target.received.first?.instance.entity == entity.name)
    }

    @Test("invalidateUser(userID:) hands over the user's key and related glob")
    func invalidateUser() async throws {
        let target = RecordingInvalidationTarget()
        try await CacheInvalidator(target).invalidateUser(userID: Fixtures.userID)
        let received = await target.received
        #expect(received.count == 1)
        #expect(received.first?.keys.map(\.rawValue) == ["shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}"])
        #expect(received.first?.patterns.map(\.glob) == ["shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}:*"])
    }

    @Test("the generic invalidate(entity:identity:) hands over the same value as the typed method")
    func genericMethod() async throws {
        let target = RecordingInvalidationTarget()
        let invalidator = CacheInvalidator(target)
        try await invalidator.invalidate(entity: "restaurant", identity: ["restaurant_id": Fixtures.restaurantID.uuidString])
        try await invalidator.invalidate(CacheInvalidations.order(orderID: Fixtures.orderID))
        #expect(await target.received == [
            CacheInvalidations.restaurant(restaurantID: Fixtures.restaurantID),
            CacheInvalidations.order(orderID: Fixtures.orderID),
        ])
    }

    @Test("a bad generic call reaches no target")
    func badGenericCall() async {
        let target = RecordingInvalidationTarget()
        let invalidator = CacheInvalidator(target)
        await #expect(throws: CacheSchemaDescriptionError.unknownEntity("nope", known: CacheKeys.schema.entities.map(\.name))) {
            try await invalidator.invalidate(entity: "nope", identity: [:])
        }
        await #expect(throws: CacheSchemaDescriptionError.self) {
            try await invalidator.invalidate(entity: "user", identity: ["user_id": "*"])
        }
        #expect(await target.received.isEmpty)
    }

    @Test("the target's failure reaches the caller")
    func targetFailure() async throws {
        let target = RecordingInvalidationTarget()
        let invalidator = CacheInvalidator(target)
        await target.failNext(with: TargetDown())
        await #expect(throws: TargetDown()) {
            try await invalidator.invalidateOrder(orderID: Fixtures.orderID)
        }
        try await invalidator.invalidateOrder(orderID: Fixtures.orderID)
        #expect(await target.received.count == 2)
    }
}
