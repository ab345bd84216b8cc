import CacheRuntime
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP API of SPEC §7. Each handler is a short story: validate (400), talk to SQLite, and use the cache through
/// the generated `CacheKeys` / `CacheInvalidator` only.
struct ShopAPI: Sendable {
    let database: ShopDatabase
    let cache: ShopCache
    let health: HealthCheck
    let metrics: MetricsEndpoint

    static let pageSize = 20
    static let maxListLimit = 1_000
    static let maxPage = 10_000

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: ErrorBodyMiddleware())
        router.get("/health") { _, _ in await health.response() }
        router.get("/metrics") { _, _ in metrics.response() }

        router.post("/users") { request, _ in try await createUser(request) }
        router.get("/users") { request, _ in try await listUsers(request) }
        router.get("/users/by-email/{email}") { _, context in try await userByEmail(context) }
        router.get("/users/{id}") { _, context in try await getUser(context) }
        router.put("/users/{id}") { request, context in try await updateUser(request, context) }
        router.delete("/users/{id}") { _, context in try await deleteUser(context) }
        router.get("/users/{id}/orders") { request, context in try await userOrders(request, context) }
        router.post("/users/{id}/orders") { request, context in try await createOrder(request, context) }
        router.get("/orders/{id}") { _, context in try await getOrder(context) }
        router.get("/restaurants") { request, _ in try await listRestaurants(request) }
        router.get("/restaurants/{id}") { _, context in try await getRestaurant(context) }
        router.get("/restaurants/{id}/menu") { _, context in try await getMenu(context) }
        router.get("/restaurants/{id}/stats") { _, context in try await getStats(context) }
        router.put("/restaurants/{id}/menu") { request, context in try await updateMenu(request, context) }
    }

    /// The answer of a cached GET: the value with `X-Cache`, or 404 (also with `X-Cache`: the lookup happened).
    private func cached<Value: Encodable>(_ value: Value?, _ source: CacheSource, notFound: @autoclosure () -> String) -> Response {
        let headers: HTTPFields = [.xCache: source.rawValue]
        guard let value else {
            var response = APIError.notFound(notFound()).response
            response.headers.append(contentsOf: headers)
            return response
        }
        return JSONResponse.make(value, headers: headers)
    }

    // MARK: Users

    /// `POST /users`: 201 with the stored user; 400 for a bad body, 409 when the e-mail is taken. Nothing is cached
    /// (the first read of the user is a miss that fills `user`).
    func createUser(_ request: Request) async throws -> Response {
        let body = try await Input.body(request, as: CreateUserBody.self)
        let name = try Input.name(body.name)
        let email = try Input.email(body.email)
        guard let user = try await database.createUser(name: name, email: email) else {
            throw APIError.conflict("a user with e-mail '\(email)' already exists")
        }
        return JSONResponse.make(user, status: .created)
    }

    /// `GET /users?limit=N`: from SQLite, not cached (a way to find ids). Default 50, at most 1,000.
    func listUsers(_ request: Request) async throws -> Response {
        let limit = try Input.integer(request, "limit", default: 50, in: 1...Self.maxListLimit)
        return JSONResponse.make(try await database.users(limit: limit))
    }

    /// `GET /users/{id}`: cache-aside on `user`.
    func getUser(_ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "user")
        let (user, source) = try await cache.read(CacheKeys.user(userID: id)) { try await database.user(id: id) }
        return cached(user, source, notFound: "no user with id \(id.key)")
    }

    /// `GET /users/by-email/{email}`: cache-aside on `userByEmail` (the e-mail is matched in lower case).
    func userByEmail(_ context: some RequestContext) async throws -> Response {
        // Path parameters arrive percent-encoded (`a%2Bb%40x.org`); a bad escape is a malformed e-mail.
        let raw = context.parameters.get("email") ?? ""
        guard let decoded = raw.removingPercentEncoding else { throw APIError.badRequest("'\(raw.prefix(300))' is not a valid e-mail address") }
        let email = try Input.email(decoded)
        let (user, source) = try await cache.read(CacheKeys.userByEmail(email: email, as: UserDTO.self)) {
            try await database.user(email: email)
        }
        return cached(user, source, notFound: "no user with e-mail '\(email)'")
    }

    /// `PUT /users/{id}`: body `{"name"?, "email"?}` (at least one). SQLite first, then the cache.
    func updateUser(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "user")
        let body = try await Input.body(request, as: UpdateUserBody.self)
        guard body.name != nil || body.email != nil else { throw APIError.badRequest("give 'name', 'email' or both") }
        let name = try body.name.map { try Input.name($0) }
        let email = try body.email.map { try Input.email($0) }
        let (previous, current): (UserDTO, UserDTO)
        let restaurantIDs: [UUID]
        switch try await database.updateUser(id: id, name: name, email: email) {
        case .notFound: throw APIError.notFound("no user with id \(id.key)")
        case .emailTaken: throw APIError.conflict("a user with e-mail '\(email ?? "")' already exists")
        case .updated(let before, let after, let restaurants): (previous, current, restaurantIDs) = (before, after, restaurants)
        }
        let report = await cache.afterWrite("PUT /users/{id}", [
            // Write-through: the cache holds the new user at once, and a load that read the old row before this write
            // cannot store it afterwards (the runtime bumps the entity's generation).
            { cache, _ in try await cache.set(CacheKeys.user(userID: id), current) },
            // userByEmail is keyed by e-mail, not by user id, so no invalidation of the `user` entity can reach it —
            // `cache-schema check` warns about exactly this on the reference schema. The application handles it here:
            // it knows both addresses, and deletes the old one (it must now be a 404) and the new one (in case an
            // earlier owner of that address is still cached under it).
            { cache, _ in try await cache.delete(CacheKeys.userByEmail(email: previous.email, as: UserDTO.self)) },
            { cache, _ in try await cache.delete(CacheKeys.userByEmail(email: current.email, as: UserDTO.self)) },
        ] + statsDeletions(restaurantIDs))  // a new name: the stats that list the user as a top customer show the old one
        return JSONResponse.make(current, headers: [.xCacheWrite: report.rawValue])
    }

    /// `DELETE /users/{id}`: 204. Deletes the user and their orders in SQLite, then invalidates what held them.
    func deleteUser(_ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "user")
        guard let (user, orderIDs, restaurantIDs) = try await database.deleteUser(id: id) else {
            throw APIError.notFound("no user with id \(id.key)")
        }
        let report = await cache.afterWrite("DELETE /users/{id}", [
            // The user entity: its `user` key and its related keys (`user:{user_id}:*`).
            { _, invalidator in try await invalidator.invalidateUser(userID: id) },
            // Their order pages: a separate entity in the schema.
            { _, invalidator in try await invalidator.invalidateUserOrders(userID: id) },
            // userByEmail: unreachable by invalidateUser (see updateUser), so deleted explicitly.
            { cache, _ in try await cache.delete(CacheKeys.userByEmail(email: user.email, as: UserDTO.self)) },
        ] + orderIDs.map { orderID in
            // The deleted orders, one by one (the cascade in SQLite has no counterpart in the schema).
            { _, invalidator in try await invalidator.invalidateOrder(orderID: orderID) }
        } + statsDeletions(restaurantIDs))  // the restaurants' stats counted the deleted orders
        return Response(status: .noContent, headers: [.xCacheWrite: report.rawValue])
    }

    // MARK: Orders

    /// `GET /users/{id}/orders?page=N`: cache-aside on `userOrders`, 20 a page, newest first; 404 for an unknown user.
    func userOrders(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "user")
        let page = try Input.integer(request, "page", default: 1, in: 1...Self.maxPage)
        let (orders, source) = try await cache.read(CacheKeys.userOrders(userID: id, page: page, as: OrdersPageDTO.self)) {
            try await database.ordersPage(userID: id, page: page, pageSize: Self.pageSize)
        }
        return cached(orders, source, notFound: "no user with id \(id.key)")
    }

    /// `POST /users/{id}/orders`: body `{"restaurant_id", "total_cents"}`; 201 with the order. Inserts, then
    /// invalidates every cached page of the user's orders.
    func createOrder(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "user")
        let body = try await Input.body(request, as: CreateOrderBody.self)
        guard (1...100_000_000).contains(body.totalCents) else {
            throw APIError.badRequest("'total_cents' must be an integer from 1 to 100000000")
        }
        let order: OrderDTO
        switch try await database.createOrder(userID: id, restaurantID: body.restaurantID, totalCents: body.totalCents) {
        case .noSuchUser: throw APIError.notFound("no user with id \(id.key)")
        case .noSuchRestaurant: throw APIError.badRequest("'restaurant_id' \(body.restaurantID.key) is not a restaurant")
        case .created(let created): order = created
        }
        let report = await cache.afterWrite("POST /users/{id}/orders", [
            { _, invalidator in try await invalidator.invalidateUserOrders(userID: id) }
        ] + statsDeletions([body.restaurantID]))
        return JSONResponse.make(order, status: .created, headers: [.xCacheWrite: report.rawValue])
    }

    /// `GET /orders/{id}`: cache-aside on `order`.
    func getOrder(_ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "order")
        let (order, source) = try await cache.read(CacheKeys.order(orderID: id, as: OrderDTO.self)) { try await database.order(id: id) }
        return cached(order, source, notFound: "no order with id \(id.key)")
    }

    // MARK: Restaurants

    /// `GET /restaurants?limit=N`: from SQLite, not cached. Default 50, at most 1,000.
    func listRestaurants(_ request: Request) async throws -> Response {
        let limit = try Input.integer(request, "limit", default: 50, in: 1...Self.maxListLimit)
        return JSONResponse.make(try await database.restaurants(limit: limit))
    }

    /// `GET /restaurants/{id}`: cache-aside on `restaurant`.
    func getRestaurant(_ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "restaurant")
        let (restaurant, source) = try await cache.read(CacheKeys.restaurant(restaurantID: id, as: RestaurantDTO.self)) {
            try await database.restaurant(id: id)
        }
        return cached(restaurant, source, notFound: "no restaurant with id \(id.key)")
    }

    /// `GET /restaurants/{id}/menu`: cache-aside on `restaurantMenu`.
    func getMenu(_ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "restaurant")
        let (menu, source) = try await cache.read(CacheKeys.restaurantMenu(restaurantID: id, as: MenuDTO.self)) {
            try await database.menu(restaurantID: id)
        }
        return cached(menu, source, notFound: "no restaurant with id \(id.key)")
    }

    /// `GET /restaurants/{id}/stats`: cache-aside on `restaurantStats` (1 minute). The one read that is expensive at
    /// the source (an aggregate over every order of the restaurant), so the one where a hit saves the most.
    func getStats(_ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "restaurant")
        let (stats, source) = try await cache.read(CacheKeys.restaurantStats(restaurantID: id, as: RestaurantStatsDTO.self)) {
            try await database.restaurantStats(restaurantID: id)
        }
        return cached(stats, source, notFound: "no restaurant with id \(id.key)")
    }

    /// Cache updates that delete the stats of `restaurantIDs`, for a write that changed what they count or show.
    ///
    /// A key delete rather than `invalidateRestaurant`: the restaurant and its menu did not change, so their keys stay.
    /// The delete bumps the restaurant's generation as an invalidation does, so a stats load that read SQLite before
    /// the write cannot store its older result after it.
    private func statsDeletions(_ restaurantIDs: [UUID]) -> [@Sendable (RedisCache, CacheInvalidator) async throws -> Void] {
        restaurantIDs.map { restaurantID in
            { cache, _ in try await cache.delete(CacheKeys.restaurantStats(restaurantID: restaurantID, as: RestaurantStatsDTO.self)) }
        }
    }

    /// `PUT /restaurants/{id}/menu`: body `{"items": [{"name", "price_cents"}]}` (at most 200 items); 200 with the
    /// menu. Updates SQLite, then write-through `restaurantMenu` with the runtime's `writeThrough`.
    func updateMenu(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let id = try Input.uuid(context, "id", what: "restaurant")
        let body = try await Input.body(request, as: UpdateMenuBody.self)
        if let bodyID = body.restaurantID, bodyID != id {
            throw APIError.badRequest("'restaurant_id' \(bodyID.key) is not the restaurant of the path (\(id.key))")
        }
        guard body.items.count <= 200 else { throw APIError.badRequest("a menu has at most 200 items") }
        let items = try body.items.enumerated().map { index, item in
            guard (0...100_000_000).contains(item.priceCents) else {
                throw APIError.badRequest("'items.\(index).price_cents' must be an integer from 0 to 100000000")
            }
            return MenuItemDTO(name: try Input.name(item.name, field: "items.\(index).name"), priceCents: item.priceCents)
        }
        let menu = MenuDTO(restaurantID: id, items: items)
        let key = CacheKeys.restaurantMenu(restaurantID: id, as: MenuDTO.self)
        guard let redis = cache.cache else {
            guard try await database.replaceMenu(restaurantID: id, items: items) != nil else { throw APIError.notFound("no restaurant with id \(id.key)") }
            return JSONResponse.make(menu, headers: [.xCacheWrite: ShopCache.WriteReport.bypassed.rawValue])
        }
        do {
            // Write-through: `update` changes SQLite; its result is then stored under the key with the key's TTL.
            _ = try await redis.writeThrough(key) {
                guard let stored = try await database.replaceMenu(restaurantID: id, items: items) else {
                    throw APIError.notFound("no restaurant with id \(id.key)")
                }
                return stored
            }
            return JSONResponse.make(menu, headers: [.xCacheWrite: ShopCache.WriteReport.ok.rawValue])
        } catch let error as CacheWriteThroughError<MenuDTO> {
            // SQLite was updated; only the cache write failed (Redis down). The runtime deletes the old menu as soon as
            // Redis answers and does not read it meanwhile; the answer is what SQLite stored.
            cache.logger.warning("cache write-through failed; the old menu is deleted when Redis answers", metadata: ["error": "\(error.cacheError)"])
            return JSONResponse.make(error.result, headers: [.xCacheWrite: ShopCache.WriteReport.failed.rawValue])
        }
    }
}
