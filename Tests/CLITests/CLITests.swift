import Foundation
import Testing

/// The `cache-schema` command line as a user runs it: exit statuses, output formats, files written or not.
@Suite struct CLITests {
    static let badSchema = """
        version: 1
        entities:
          user:
            id: { user_id: UUID }
            keys:
              user: { pattern: "user:{userid}", ttl: 5m }

        """

    func write(_ text: String, named name: String = "test.cache.yaml") throws -> URL {
        let url = try CLIRunner.temporaryDirectory().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func checkReferenceSchemaPassesWithItsWarnings() async throws {
        let output = try await CLIRunner.run(["check", "schemas/shop.cache.yaml"])
        #expect(output.status == 0)
        let warning = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("schemas/shop.cache.yaml:33:7: warning: ") })
        #expect(warning.hasSuffix(" [#unreachable-key]"))
        #expect(output.stdout.contains("schemas/shop.cache.yaml: 0 errors, 2 warnings"))
    }

    @Test func warningsAsErrorsFails() async throws {
        let output = try await CLIRunner.run(["check", "--warnings-as-errors", "schemas/shop.cache.yaml"])
        #expect(output.status == 1)
    }

    @Test func checkPrintsLocationSourceLineAndCaret() async throws {
        let file = try write(Self.badSchema)
        let output = try await CLIRunner.run(["check", file.path])
        #expect(output.status == 1)
        let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "\(file.path):6:31: error: placeholder '{userid}' in key 'user' is not declared; add it to the key's 'params' or to the id of entity 'user'; did you mean 'user_id'? [#undeclared-placeholder]")
        #expect(lines[1] == "      user: { pattern: \"user:{userid}\", ttl: 5m }")
        #expect(lines[2] == String(repeating: " ", count: 30) + "^")
    }

    @Test func checkSeveralFilesAndJSON() async throws {
        let bad = try write(Self.badSchema)
        let output = try await CLIRunner.run(["check", "--format", "json", "schemas/shop.cache.yaml", bad.path])
        #expect(output.status == 1)
        let decoded = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]]
        let severities = decoded?.compactMap { $0["severity"] as? String }
        #expect(severities == ["warning", "warning", "error"])
        let identifiers = decoded?.compactMap { $0["identifier"] as? String }
        #expect(identifiers == ["unreachable-key", "related-matches-nothing", "undeclared-placeholder"])
        #expect(output.stdout.contains("\"line\" : 6"))
    }

    /// Example keys in messages are concrete keys, hash-tag braces included.
    @Test func checkJSONShowsConcreteKeysWithTheirHashTags() async throws {
        let file = try write("""
            version: 1
            namespace: shop
            entities:
              config:
                keys:
                  flags: { pattern: "flags" }
              feature:
                id: { name: String }
                keys:
                  featureFlags: { pattern: "{name}:flags" }

            """)
        let output = try await CLIRunner.run(["check", "--format", "json", file.path])
        #expect(output.status == 1)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        #expect(decoded.compactMap { $0["identifier"] as? String } == ["ambiguous-patterns"])
        #expect((decoded.first?["message"] as? String)?.contains("e.g. \"shop:{config}:flags\"") == true)
    }

    @Test func usageErrorsExitWithTwo() async throws {
        #expect(try await CLIRunner.run(["check"]).status == 2)
        #expect(try await CLIRunner.run(["generate", "schemas/shop.cache.yaml"]).status == 2)
        #expect(try await CLIRunner.run(["check", "--format", "xml", "schemas/shop.cache.yaml"]).status == 2)
    }

    @Test func missingFileIsAnError() async throws {
        let output = try await CLIRunner.run(["check", "does-not-exist.cache.yaml"])
        #expect(output.status == 1)
        #expect(output.stdout.hasPrefix("does-not-exist.cache.yaml:1:1: error: "))
        #expect(output.stdout.contains(" [#unreadable-file]\n"))
    }

    @Test func generateWritesOnlyWhenBytesChange() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        let first = try await CLIRunner.run(["generate", "schemas/shop.cache.yaml", "--output", directory.path])
        #expect(first.status == 0)
        let file = directory.appendingPathComponent("shop.cache.swift")
        #expect(first.stdout.contains("written"))
        let contents = try String(contentsOf: file, encoding: .utf8)
        #expect(contents.hasPrefix("// Generated from shop.cache.yaml by cache-schema; do not edit."))
        let modified = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
        let second = try await CLIRunner.run(["generate", "schemas/shop.cache.yaml", "--output", directory.path])
        #expect(second.stdout.contains("unchanged"))
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date == modified)
        let publicOutput = try await CLIRunner.run(["generate", "schemas/shop.cache.yaml", "--output", directory.path, "--access", "public"])
        #expect(publicOutput.stdout.contains("written"))
        #expect(try String(contentsOf: file, encoding: .utf8).contains("public enum CacheKeys"))
    }

    @Test func generateWritesNothingOnError() async throws {
        let bad = try write(Self.badSchema)
        let directory = try CLIRunner.temporaryDirectory().appendingPathComponent("out")
        let output = try await CLIRunner.run(["generate", bad.path, "--output", directory.path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("[#undeclared-placeholder]"))
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    @Test func explainTable() async throws {
        let output = try await CLIRunner.run(["explain", "schemas/shop.cache.yaml"])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("KEY ") && $0.contains("LAYOUT") && $0.contains("INVALIDATED BY") })
        let userOrders = try #require(lines.first { $0.hasPrefix("userOrders ") })
        // The concrete layout: the hash tag's braces where the key has them, parameters as <name>.
        #expect(userOrders.contains("shop:orders:user:{<user_id>}:page:<page>"))
        #expect(userOrders.contains("user_id: UUID, page: Int = 1"))
        #expect(userOrders.contains("2m (order)"))
        #expect(lines.contains("entity restaurant (hash tag {<restaurant_id>}): invalidateRestaurant(restaurantID:) deletes"))
        #expect(lines.contains("  key   shop:restaurant:{<restaurant_id>}:menu  (restaurantMenu)"))
        #expect(lines.contains("  key   shop:restaurant:{<restaurant_id>}:stats  (restaurantStats)"))
        let stats = try #require(lines.first { $0.hasPrefix("restaurantStats ") })
        #expect(stats.contains("shop:restaurant:{<restaurant_id>}:stats") && stats.contains("  1m  "), "a literal TTL, no class")
        let byEmail = try #require(lines.first { $0.hasPrefix("userByEmail ") })
        #expect(byEmail.contains("shop:user:email:{<email>}"))
        #expect(output.stderr.contains("warning:"))
    }

    @Test func explainJSON() async throws {
        let output = try await CLIRunner.run(["explain", "schemas/shop.cache.yaml", "--format", "json"])
        #expect(output.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let keys = try #require(object["keys"] as? [[String: Any]])
        #expect(keys.map { $0["name"] as? String } == ["user", "userByEmail", "userOrders", "order", "restaurant", "restaurantMenu", "restaurantStats"])
        #expect(keys[0]["ttlMilliseconds"] as? Int == 300_000)
        #expect(keys[6]["ttlMilliseconds"] as? Int == 60_000)
        #expect(keys.map { $0["layout"] as? String } == [
            "shop:user:{<user_id>}", "shop:user:email:{<email>}", "shop:orders:user:{<user_id>}:page:<page>",
            "shop:order:{<order_id>}", "shop:restaurant:{<restaurant_id>}", "shop:restaurant:{<restaurant_id>}:menu",
            "shop:restaurant:{<restaurant_id>}:stats",
        ])
        #expect(keys.map { $0["hashTag"] as? String } == ["id", "first-parameter", "id", "id", "id", "id", "id"])
        #expect(keys[0]["pattern"] as? String == "shop:user:{user_id}")
        #expect((keys[1]["invalidatedBy"] as? [Any])?.isEmpty == true)
        let entities = try #require(object["entities"] as? [[String: Any]])
        #expect(entities.map { $0["hashTag"] as? String } == ["{<user_id>}", "{<user_id>}", "{<order_id>}", "{<restaurant_id>}"])
        #expect(entities.map { $0["method"] as? String } == ["invalidateUser(userID:)", "invalidateUserOrders(userID:)", "invalidateOrder(orderID:)", "invalidateRestaurant(restaurantID:)"])
    }

    static let freshSchema = """
        version: 1
        namespace: shop
        ttl:
          menu: { duration: 30m, early: 1, stale: 5m, jitter: 10% }
        entities:
          restaurant:
            id: { restaurant_id: UUID }
            keys:
              restaurant: { pattern: "restaurant:{restaurant_id}", ttl: 1h }
              restaurantMenu: { pattern: "restaurant:{restaurant_id}:menu", ttl: menu, jitter: 2.5% }

        """

    @Test func explainTableShowsFreshness() async throws {
        let file = try write(Self.freshSchema)
        let output = try await CLIRunner.run(["explain", file.path])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("KEY ") })
        #expect(header.contains("  TTL  ") && header.contains("  FRESHNESS  "))
        let menu = try #require(lines.first { $0.hasPrefix("restaurantMenu ") })
        #expect(menu.contains("30m (menu)  early refresh β 1, stale 5m, jitter 2.5%  "))
        let restaurant = try #require(lines.first { $0.hasPrefix("restaurant ") })
        #expect(restaurant.contains("1h  ") && restaurant.contains("  -  "))
    }

    @Test func explainTableHasNoFreshnessColumnWithoutFreshness() async throws {
        let output = try await CLIRunner.run(["explain", "schemas/shop.cache.yaml"])
        #expect(!output.stdout.contains("FRESHNESS"))
    }

    @Test func explainJSONShowsFreshness() async throws {
        let file = try write(Self.freshSchema)
        let output = try await CLIRunner.run(["explain", file.path, "--format", "json"])
        #expect(output.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let keys = try #require(object["keys"] as? [[String: Any]])
        #expect(keys.map { $0["name"] as? String } == ["restaurant", "restaurantMenu"])
        #expect(keys[0]["freshness"] == nil)
        let freshness = try #require(keys[1]["freshness"] as? [String: Any])
        #expect(freshness["early"] as? Double == 1)
        #expect(freshness["stale"] as? String == "5m")
        #expect(freshness["staleMilliseconds"] as? Int == 300_000)
        #expect(freshness["jitter"] as? String == "2.5%")
        #expect(freshness["jitterFraction"] as? Double == 0.025)
        #expect(freshness["summary"] as? String == "early refresh β 1, stale 5m, jitter 2.5%")
        let classes = try #require(object["ttlClasses"] as? [[String: Any]])
        #expect((classes.first?["freshness"] as? [String: Any])?["jitter"] as? String == "10%")
    }

    static let nearSchema = """
        version: 1
        namespace: shop
        ttl:
          menu: { duration: 30m, near: { ttl: 1m, capacity: 1000 } }
        entities:
          restaurant:
            id: { restaurant_id: UUID }
            keys:
              restaurant: { pattern: "restaurant:{restaurant_id}", ttl: 1h }
              restaurantMenu: { pattern: "restaurant:{restaurant_id}:menu", ttl: menu }
              restaurantStats: { pattern: "restaurant:{restaurant_id}:stats", ttl: 1m, stale: 10s, near: { ttl: 5s, capacity: 1 } }

        """

    @Test func explainTableShowsNearCaches() async throws {
        let file = try write(Self.nearSchema)
        let output = try await CLIRunner.run(["explain", file.path])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("KEY ") })
        #expect(header.contains("  FRESHNESS  ") && header.contains("  NEAR CACHE  "))
        let menu = try #require(lines.first { $0.hasPrefix("restaurantMenu ") })
        #expect(menu.contains("30m (menu)  -  ") && menu.contains("  1m in process, up to 1000 values  "))
        let stats = try #require(lines.first { $0.hasPrefix("restaurantStats ") })
        #expect(stats.contains("  stale 10s  ") && stats.contains("  5s in process, up to 1 value  "))
        let restaurant = try #require(lines.first { $0.hasPrefix("restaurant ") })
        #expect(restaurant.contains("  -  ") && !restaurant.contains("in process"))
    }

    @Test func explainTableHasNoNearCacheColumnWithoutNearCaches() async throws {
        let plain = try await CLIRunner.run(["explain", try write("""
            version: 1
            entities:
              user:
                id: { user_id: UUID }
                keys:
                  user: { pattern: "user:{user_id}", ttl: 5m }
            """, named: "plain.cache.yaml").path])
        #expect(plain.status == 0)
        #expect(!plain.stdout.contains("NEAR CACHE"))
        // The reference schema holds users, restaurants and menus in process memory.
        let reference = try await CLIRunner.run(["explain", "schemas/shop.cache.yaml"])
        let user = try #require(reference.stdout.split(separator: "\n").first { $0.hasPrefix("user ") })
        #expect(user.contains("30s in process, up to 10000 values"))
        let fresh = try await CLIRunner.run(["explain", try write(Self.freshSchema).path])
        #expect(!fresh.stdout.contains("NEAR CACHE"))
    }

    @Test func explainJSONShowsNearCaches() async throws {
        let file = try write(Self.nearSchema)
        let output = try await CLIRunner.run(["explain", file.path, "--format", "json"])
        #expect(output.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let keys = try #require(object["keys"] as? [[String: Any]])
        #expect(keys.map { $0["name"] as? String } == ["restaurant", "restaurantMenu", "restaurantStats"])
        #expect(keys[0]["near"] == nil)
        let near = try #require(keys[1]["near"] as? [String: Any])
        #expect(near["ttl"] as? String == "1m")
        #expect(near["ttlMilliseconds"] as? Int == 60_000)
        #expect(near["capacity"] as? Int == 1000)
        #expect(near["summary"] as? String == "1m in process, up to 1000 values")
        #expect(keys[1]["freshness"] == nil)
        #expect((keys[2]["near"] as? [String: Any])?["capacity"] as? Int == 1)
        let classes = try #require(object["ttlClasses"] as? [[String: Any]])
        #expect((classes.first?["near"] as? [String: Any])?["ttlMilliseconds"] as? Int == 60_000)
    }

    @Test(arguments: [[], ["check"], ["generate"], ["explain"]])
    func helpIsAccurateAndHasAnExample(command: [String]) async throws {
        let output = try await CLIRunner.run(command + ["--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("Examples:"))
        #expect(output.stdout.contains("cache-schema "))
    }
}
