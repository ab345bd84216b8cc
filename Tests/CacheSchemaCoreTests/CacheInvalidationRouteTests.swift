import Testing

@testable import CacheSchemaCore

/// The one rule for how an entity's invalidation reaches its own keys, used by generated code and the runtime alike.
@Suite struct CacheInvalidationRouteTests {
    @Test func keyOfTheIdentityOnlyIsDeletedByName() throws {
        let route = CacheInvalidationRoute(keyPattern: try CachePattern("user:{user_id}:menu", kind: .key), identity: ["user_id"])
        #expect(route == .exactKey)
    }

    @Test func keyWithMoreParametersIsDeletedByAGlobOverThem() throws {
        let route = CacheInvalidationRoute(
            keyPattern: try CachePattern("orders:{tenant}:user:{user_id}:page:{page}", kind: .key), identity: ["tenant", "user_id"])
        #expect(route == .glob(try CachePattern("orders:{tenant}:user:{user_id}:page:*", kind: .glob)))
    }

    @Test func keyLackingPartOfTheIdentityIsUnreachable() throws {
        let route = CacheInvalidationRoute(keyPattern: try CachePattern("user:email:{email}", kind: .key), identity: ["user_id", "email", "tenant"])
        #expect(route == .unreachable(missing: ["user_id", "tenant"]))
    }

    @Test func singletonEntityDeletesItsKeyByName() throws {
        #expect(CacheInvalidationRoute(keyPattern: try CachePattern("config", kind: .key), identity: []) == .exactKey)
        #expect(CacheInvalidationRoute(keyPattern: try CachePattern("flags:{name}", kind: .key), identity: [])
            == .glob(try CachePattern("flags:*", kind: .glob)))
    }
}
