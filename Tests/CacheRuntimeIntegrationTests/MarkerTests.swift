import CacheRuntime
import CacheSchemaRedis
import Foundation
import RedisTestSupport
import Testing

/// Generation markers, pattern markers and index sets against a real redis-server: a fill that loaded before a
/// write, an invalidation or a pattern deletion never stores its older value, whatever happened to the markers in
/// between, and index sets do not grow past their live keys.
@Suite struct MarkerTests {
    // MARK: Markers never repeat

    @Test func aMarkerThatExpiredDuringALoadDoesNotComeBackWithTheValueTheFillRead() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let marker = "shop:~gen:user:{\(CacheKeyEncoding.encode(id))}"
            let old = UserDTO(id: id, name: "old", email: "old@x")
            let new = UserDTO(id: id, name: "new", email: "new@x")
            // The marker as older code leaves it after one bump (INCR of a missing key).
            _ = try await server.cli(["SET", marker, "1"])

            // While the fill (which has read the marker, "1") loads, the marker expires; then a writer updates the
            // source and the cache, bumping it again.
            let fill = try await StaleFillTests.race(cache, key, stale: old) {
                _ = try await server.cli(["PEXPIRE", marker, "1"])
                try await waitUntil("the marker expired") { try await server.cli(["EXISTS", marker]) == "0" }
                try await cache.set(key, new)
            }

            #expect(try await fill.value == old, "the loader's answer still goes to its caller")
            #expect(await cache.get(key).value == new, "the fill stored its older value over the write")
            let bumped = try #require(UInt64(try await server.cli(["GET", marker])))
            #expect(bumped > 1, "a recreated marker restarts above every value it had")

            // Again with a marker written by this code: expired and recreated, it is still above its last value.
            _ = try await server.cli(["PEXPIRE", marker, "1"])
            try await waitUntil("the marker expired") { try await server.cli(["EXISTS", marker]) == "0" }
            try await cache.delete(key)
            #expect(try #require(UInt64(try await server.cli(["GET", marker]))) > bumped)
        }
    }

    @Test func twoBumpsNeverLeaveTheSameValue() async throws {
        try await withCache { server, cache in
            let key = CacheKeys.userByEmail(email: "a@x", as: String.self)
            let marker = "shop:~kgen:user:email:{\(CacheKeyEncoding.encode("a@x"))}"
            var previous: UInt64 = 0
            for round in 0..<50 {
                try await cache.set(key, "v\(round)")
                let value = try #require(UInt64(try await server.cli(["GET", marker])))
                #expect(value > previous)
                previous = value
            }
        }
    }

    // MARK: Keys reached only by a scanned pattern

    /// The reports schema with its namespace, with a namespace containing `:`, and without one.
    static let namespaces: [String?] = ["rpt", "acme:rpt", nil]

    @Test(arguments: namespaces)
    func aFillDoesNotStoreBehindAnInvalidationThatScannedForItsKey(namespace: String?) async throws {
        try await withCache { server, cache in
            let reports = Reports(namespace: namespace)
            let key = reports.report(org: "acme", day: "2026-01-01")
            // The source changed, then the tenant is invalidated: its related pattern is scanned while the key is
            // not yet stored, and the key's own marker (entity report) is not bumped.
            let fill = try await StaleFillTests.race(cache, key, stale: "old") {
                try await cache.invalidate(reports.tenant("acme"))
            }
            #expect(try await fill.value == "old")
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the fill stored its older value behind the scan")
        }
    }

    @Test(arguments: namespaces)
    func aFillDoesNotStoreBehindADeletePatternThatScannedForItsKey(namespace: String?) async throws {
        try await withCache { server, cache in
            let reports = Reports(namespace: namespace)
            let key = reports.report(org: "acme", day: "2026-01-01")
            // Written out ("rpt:report:…"), or built with init(namespace:), which a namespace with ':' needs.
            let start = namespace.map { $0.contains(":") ? CacheGlob(namespace: $0) : CacheGlob($0 + ":") } ?? CacheGlob()
            let fill = try await StaleFillTests.race(cache, key, stale: "old") {
                try await cache.deletePattern(start.literal("report:{").value("acme").literal(":").anyRun())
            }
            #expect(try await fill.value == "old")
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0", "the fill stored its older value behind the scan")
            // A fill that starts after the deletion stores again.
            _ = try await cache.getOrSet(key) { "new" }
            #expect(await cache.get(key).value == "new")
        }
    }

    @Test func aPendingInvalidationRepairBlocksReadsOfKeysItsScannedPatternMatches() async throws {
        try await withCache { server, cache in
            let reports = Reports(namespace: "rpt")
            let key = reports.report(org: "acme", day: "2026-01-01")
            let other = reports.report(org: "acme-2", day: "2026-01-01")
            try await cache.set(key, "old")
            try await cache.set(other, "other")
            // Redis stays up but refuses the invalidation: the tenant's index is not a set.
            let index = "rpt:~idx:tenant:{acme}"
            _ = try await server.cli(["SET", index, "not a set"])
            await #expect(throws: CacheError.self) { try await cache.invalidate(reports.tenant("acme")) }
            #expect(cache.pendingRepairCount == 1)

            guard case .missWithError(let error) = await cache.get(key) else {
                Issue.record("a key that a pending invalidation's pattern matches was read from the cache")
                return
            }
            #expect(error.kind == .repairPending)
            let result = try await cache.getOrSetReporting(key) { "new" }
            #expect(result.value == "new" && result.source == .bypass)
            #expect(await cache.get(other).value == "other", "a key the pattern does not match is still read")

            _ = try await server.cli(["DEL", index])
            try await waitUntil("the repair is done") { cache.pendingRepairCount == 0 }
            #expect(try await server.cli(["EXISTS", key.rawValue]) == "0")
            #expect(await cache.get(other).value == "other")
        }
    }

    // MARK: Index sets shrink

    @Test func anIndexStaysNearItsLiveKeysWhileItsKeysExpire() async throws {
        try await withCache { server, cache in
            let id = UUID()
            let index = "shop:~idx:userOrders:{\(CacheKeyEncoding.encode(id))}"
            let page = { (number: Int) in CacheKeys.userOrders(userID: id, page: number, as: OrdersPage.self) }
            let live = 1001...1010
            // Ten live pages keep the index alive (its TTL covers its longest member), 200 short ones expire.
            for number in live { try await cache.set(page(number), OrdersPage(page: number, items: [])) }
            for number in 1...200 {
                try await cache.set(page(number), OrdersPage(page: number, items: []), ttl: .milliseconds(50))
            }
            try await waitUntil("the short pages expired") { try await server.cli(["EXISTS", page(200).rawValue]) == "0" }
            // The live pages, written over and over: each write probes the index and drops expired members.
            for _ in 1...30 {
                for number in live { try await cache.set(page(number), OrdersPage(page: number, items: [])) }
            }
            let members = Int(try await server.cli(["SCARD", index])) ?? -1
            #expect(members >= 10 && members <= 20, "\(members) index members for 10 live keys")
            // Invalidation still finds every live key.
            #expect(try await cache.invalidateCounting(CacheInvalidations.userOrders(userID: id)) == 10)
        }
    }
}

/// Keys of a schema that the reference schema lacks, built by hand as generated code would build them:
///
/// ```yaml
/// namespace: rpt   # or another one, or none
/// entities:
///   tenant: { id: { tenant_id: String }, related: ["report:{tenant_id}:*"] }
///   report: { id: { org: String, day: String }, keys: { report: { pattern: "report:{org}:{day}" } } }
/// ```
///
/// A report is owned by entity `report` (key `report:{acme:2026-01-01}`, its two-part identity as its hash tag); a
/// tenant's invalidation reaches it only through its related pattern, which no index covers (SCAN), as the glob
/// `report:{acme:*`.
private struct Reports {
    let namespace: String?

    func report(org: String, day: String) -> CacheKey<String> {
        let descriptor = CacheKeyDescriptor(
            name: "report", entity: "report", pattern: "report:{org}:{day}", namespace: namespace,
            parameters: [
                CacheParameterDescriptor(name: "org", label: "org", type: .string),
                CacheParameterDescriptor(name: "day", label: "day", type: .string),
            ],
            ttl: .seconds(300), ttlClass: nil, valueType: nil, invalidatedBy: ["report"])
        let identity = "\(CacheKeyEncoding.encode(org)):\(CacheKeyEncoding.encode(day))"
        return CacheKey(
            descriptor: descriptor, rawValue: qualified("report:{\(identity)}"), owners: [CacheEntityInstance(entity: "report", identity: identity)])
    }

    func tenant(_ id: String) -> CacheInvalidation {
        let encoded = CacheKeyEncoding.encode(id)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "tenant", identity: encoded), namespace: namespace, keys: [],
            patterns: [.init(origin: .related("report:{tenant_id}:*"), glob: qualified("report:{\(encoded):*"), indexed: false)])
    }

    private func qualified(_ key: String) -> String {
        namespace.map { "\($0):\(key)" } ?? key
    }
}
