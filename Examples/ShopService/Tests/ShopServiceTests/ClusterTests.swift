import CacheSchemaLocalRedis
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ShopService

/// `REDIS_CLUSTER_NODES`: the same HTTP behaviour with the cache on a local Redis Cluster (3 primaries, 3 replicas).
@Suite("ShopService on a Redis Cluster")
struct ClusterTests {
    @Test("reads, writes and invalidations behave as on one Redis, each key in its instance's slot")
    func sameBehaviourOnACluster() async throws {
        let cluster = try await LocalRedisCluster.start()
        let folder = FileManager.default.temporaryDirectory.appending(path: "shop-cluster-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let configuration = try Configuration.fromEnvironment([
                "REDIS_CLUSTER_NODES": cluster.seeds.prefix(2).joined(separator: ","),
                "DATABASE_PATH": folder.appending(path: "shop.sqlite").path,
                "LOG_LEVEL": ProcessInfo.processInfo.environment["CACHE_SCHEMA_TEST_LOG_LEVEL"] ?? "critical",
            ])
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let http = ShopClient(router: client)
                let created = try await http.request(.post, "/users", json: #"{"name": "Ada", "email": "ada.cluster@example.org"}"#)
                try #require(created.status == 201, "\(created)")
                let id = try #require(try created.object()["id"] as? String)
                #expect(try await http.get("/users/\(id)").xCache == "miss")
                #expect(try await http.get("/users/\(id)").xCache == "hit")
                #expect(try await http.get("/users/by-email/ada.cluster@example.org").xCache == "miss")

                // Write-through: the next read is a hit with the new name.
                let updated = try await http.request(.put, "/users/\(id)", json: #"{"name": "Ada L.", "email": "ada.cluster@example.org"}"#)
                #expect(updated.status == 200, "\(updated)")
                let afterUpdate = try await http.get("/users/\(id)")
                let name = try afterUpdate.object()["name"] as? String
                #expect(afterUpdate.xCache == "hit" && name == "Ada L.", "\(afterUpdate)")

                // Orders: a page is cached, a new order invalidates the user's pages.
                let restaurant = try #require(try await http.get("/restaurants?limit=1").array().first?["id"] as? String)
                #expect(try await http.get("/users/\(id)/orders").xCache == "miss")
                #expect(try await http.get("/users/\(id)/orders").xCache == "hit")
                let order = try await http.request(.post, "/users/\(id)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": 1200}"#)
                #expect(order.status == 201, "\(order)")
                let page = try await http.get("/users/\(id)/orders")
                let items = try page.object()["items"] as? [Any]
                #expect(page.xCache == "miss" && items?.count == 1, "\(page)")

                let health = try await http.get("/health")
                let status = try health.object()["status"] as? String
                #expect(health.status == 200 && status == "ok", "\(health)")

                // Delete: the user is gone from the cache and the database.
                #expect(try await http.request(.delete, "/users/\(id)").status == 204)
                #expect(try await http.get("/users/\(id)").status == 404)
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
