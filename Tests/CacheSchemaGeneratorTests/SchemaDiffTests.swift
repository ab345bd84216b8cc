import Foundation
import Testing

@testable import CacheSchemaGenerator

/// `cache-schema diff` without the command line: schema pairs in memory, one for each row of the classification table
/// (README, "cache-schema diff"), and pairs that differ without an effect on a fleet.
@Suite struct SchemaDiffTests {
    /// The old schema most pairs start from. `account` indexes `userOrders` through its related pattern (same id, same
    /// tag); `user:email:*` reaches `userByEmail` by SCAN only (the key lacks `user_id`); `config` is a singleton.
    static let base = """
        # The test schema.
        version: 1
        namespace: shop
        ttl:
          user: 5m
        entities:
          user:
            id: { user_id: UUID }
            keys:
              user: { pattern: "user:{user_id}", ttl: user, value: UserDTO }
              userOrders: { pattern: "user:{user_id}:orders:{page}", params: { page: { type: Int, default: 1 } }, ttl: 2m }
              userByEmail: { pattern: "user:email:{email}", params: { email: String }, ttl: user }
            related: ["user:email:*"]
          account:
            id: { user_id: UUID }
            keys:
              account: { pattern: "account:{user_id}", ttl: 10m }
            related: ["user:{user_id}:orders:*"]
          order:
            id: { order_id: UUID }
            keys:
              order: { pattern: "order:{order_id}", ttl: 2m }
          config:
            keys:
              flags: { pattern: "config:flags", ttl: 1h }

        """

    /// One row: an old and a new schema, and the changes expected, as `id name`, in order.
    struct Pair: Sendable, CustomTestStringConvertible {
        let label: String
        let old: String
        let new: String
        let expected: [String]
        /// Edits whose text was not found (the test fails on them).
        let missing: [String]

        /// `old` (`base` by default) with every occurrence of each `from` replaced by its `to`.
        init(_ label: String, from old: String = SchemaDiffTests.base, _ edits: [(String, String)], expect expected: [String]) {
            self.label = label
            self.old = old
            var new = old
            var missing: [String] = []
            for (from, to) in edits {
                if !new.contains(from) { missing.append(from) }
                new = new.replacingOccurrences(of: from, with: to)
            }
            self.new = new
            self.expected = expected
            self.missing = missing
        }

        var testDescription: String { label }
    }

    static let withoutAccountRelated: [(String, String)] = [
        ("      account: { pattern: \"account:{user_id}\", ttl: 10m }\n    related: [\"user:{user_id}:orders:*\"]\n", "      account: { pattern: \"account:{user_id}\", ttl: 10m }\n"),
    ]

    static let userOrdersInAccount: [(String, String)] = [
        ("      userOrders: { pattern: \"user:{user_id}:orders:{page}\", params: { page: { type: Int, default: 1 } }, ttl: 2m }\n", ""),
        ("      account: { pattern: \"account:{user_id}\", ttl: 10m }\n", "      account: { pattern: \"account:{user_id}\", ttl: 10m }\n      userOrders: { pattern: \"user:{user_id}:orders:{page}\", params: { page: { type: Int, default: 1 } }, ttl: 2m }\n"),
    ]

    static func applying(_ edits: [(String, String)], to text: String = base) -> String {
        edits.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// Every row of the table, each with the smallest change that shows it.
    static let pairs: [Pair] = [
        // Breaking.
        Pair("namespace changed", [("namespace: shop", "namespace: store")], expect: ["namespace-changed store"]),
        Pair("pattern changed", [("\"user:{user_id}\", ttl: user", "\"users:{user_id}\", ttl: user")], expect: ["pattern-changed user"]),
        Pair("parameter added to a pattern", [("\"order:{order_id}\", ttl: 2m", "\"order:{order_id}:{v}\", params: { v: Int }, ttl: 2m")], expect: ["pattern-changed order"]),
        Pair(
            "parameter type changed", [("page: { type: Int, default: 1 }", "page: { type: String, default: \"1\" }")],
            expect: ["parameter-type-changed userOrders"]),
        Pair(
            "hash tag moved, same text",
            from: """
                version: 1
                entities:
                  pair:
                    id: { a: String }
                    keys:
                      pair: { pattern: "pair:{a}:{b}", params: { b: String } }

                """,
            [("id: { a: String }", "id: { b: String }"), ("params: { b: String }", "params: { a: String }")],
            expect: ["hash-tag-moved pair"]),
        Pair(
            "index changed: the key no longer carries the related entity's id with its type",
            [("  account:\n    id: { user_id: UUID }", "  account:\n    id: { user_id: String }")],
            expect: ["index-changed userOrders", "parameter-type-changed account"]),
        Pair("entity removed", [("  account:\n    id: { user_id: UUID }\n    keys:\n      account: { pattern: \"account:{user_id}\", ttl: 10m }\n    related: [\"user:{user_id}:orders:*\"]\n", "")], expect: ["entity-removed account"]),
        Pair(
            "invalidated key removed (reached by SCAN only, and the pattern goes too)",
            [("      userByEmail: { pattern: \"user:email:{email}\", params: { email: String }, ttl: user }\n    related: [\"user:email:*\"]\n", "")],
            expect: ["invalidated-key-removed userByEmail"]),
        Pair("related pattern stops reaching a key", withoutAccountRelated, expect: ["related-stops-reaching userOrders"]),
        Pair("key moved out of its entity", userOrdersInAccount, expect: ["invalidation-stops-reaching userOrders"]),
        // Warning.
        Pair("value type changed", [("value: UserDTO", "value: UserRecord")], expect: ["value-type-changed user"]),
        Pair("value type declared", [("\"order:{order_id}\", ttl: 2m", "\"order:{order_id}\", ttl: 2m, value: OrderDTO")], expect: ["value-type-changed order"]),
        Pair("key renamed, same keys", [("      order: { pattern", "      orderByID: { pattern")], expect: ["key-renamed orderByID"]),
        Pair("key removed (its entity's index still reaches it)", [("      user: { pattern: \"user:{user_id}\", ttl: user, value: UserDTO }\n", "")], expect: ["key-removed user"]),
        Pair("key removed (SCAN still reaches it)", [("      userByEmail: { pattern: \"user:email:{email}\", params: { email: String }, ttl: user }\n", "")], expect: ["key-removed userByEmail"]),
        Pair("related pattern added", from: applying(withoutAccountRelated), [("      account: { pattern: \"account:{user_id}\", ttl: 10m }\n", "      account: { pattern: \"account:{user_id}\", ttl: 10m }\n    related: [\"user:{user_id}:orders:*\"]\n")], expect: ["related-added userOrders"]),
        Pair("related pattern matching no key added", [("      order: { pattern: \"order:{order_id}\", ttl: 2m }\n", "      order: { pattern: \"order:{order_id}\", ttl: 2m }\n    related: [\"legacy:order:{order_id}:*\"]\n")], expect: ["related-added legacy:order:{order_id}:*"]),
        Pair(
            "related pattern matching no key removed",
            from: applying([("      order: { pattern: \"order:{order_id}\", ttl: 2m }\n", "      order: { pattern: \"order:{order_id}\", ttl: 2m }\n    related: [\"legacy:order:{order_id}:*\"]\n")]),
            [("    related: [\"legacy:order:{order_id}:*\"]\n", "")], expect: ["related-removed legacy:order:{order_id}:*"]),
        Pair("key moved into an entity", from: applying(userOrdersInAccount), [
            ("      account: { pattern: \"account:{user_id}\", ttl: 10m }\n      userOrders: { pattern: \"user:{user_id}:orders:{page}\", params: { page: { type: Int, default: 1 } }, ttl: 2m }\n", "      account: { pattern: \"account:{user_id}\", ttl: 10m }\n"),
            ("      userByEmail: {", "      userOrders: { pattern: \"user:{user_id}:orders:{page}\", params: { page: { type: Int, default: 1 } }, ttl: 2m }\n      userByEmail: {"),
        ], expect: ["invalidation-added userOrders"]),
        Pair(
            "entity added: its key is invalidated only by new processes",
            [("  config:\n", "  coupon:\n    id: { coupon_id: UUID }\n    keys:\n      coupon: { pattern: \"coupon:{coupon_id}\", ttl: 10m }\n  config:\n")],
            expect: ["invalidated-key-added coupon", "entity-added coupon"]),
        // Safe.
        Pair("key added that old processes' index reaches", [("      userByEmail: {", "      userProfile: { pattern: \"user:{user_id}:profile\" }\n      userByEmail: {")], expect: ["key-added userProfile"]),
        Pair("key added that nothing invalidates", [("      order: { pattern: \"order:{order_id}\", ttl: 2m }\n", "      order: { pattern: \"order:{order_id}\", ttl: 2m }\n      orderStats: { pattern: \"order-stats:{day}\", params: { day: String } }\n")], expect: ["key-added orderStats"]),
        Pair("TTL class changed", [("  user: 5m", "  user: 10m")], expect: ["ttl-changed user", "ttl-changed userByEmail"]),
        Pair("literal TTL changed", [("\"order:{order_id}\", ttl: 2m", "\"order:{order_id}\", ttl: 3m")], expect: ["ttl-changed order"]),
        Pair("stale window added", [("\"order:{order_id}\", ttl: 2m", "\"order:{order_id}\", ttl: 2m, stale: 30s")], expect: ["freshness-changed order"]),
        Pair("near cache added", [("\"order:{order_id}\", ttl: 2m", "\"order:{order_id}\", ttl: 2m, near: { ttl: 10s, capacity: 100 }")], expect: ["near-cache-changed order"]),
        Pair("default changed", [("page: { type: Int, default: 1 }", "page: { type: Int, default: 2 }")], expect: ["default-changed userOrders"]),
    ]

    /// The changes of a pair, as `id name`.
    static func diff(_ old: String, _ new: String) throws -> SchemaDiff {
        let before = CacheSchemaCompiler.compile(source: old, file: "old.cache.yaml", generate: false)
        let after = CacheSchemaCompiler.compile(source: new, file: "new.cache.yaml", generate: false)
        #expect(!before.hasErrors, "\(before.diagnostics)")
        #expect(!after.hasErrors, "\(after.diagnostics)")
        let oldSchema = try #require(before.schema), oldAnalysis = try #require(before.analysis)
        let newSchema = try #require(after.schema), newAnalysis = try #require(after.analysis)
        return SchemaDiff(old: oldSchema, oldAnalysis: oldAnalysis, new: newSchema, newAnalysis: newAnalysis)
    }

    @Test(arguments: pairs)
    func eachRowOfTheTable(_ pair: Pair) throws {
        #expect(pair.missing.isEmpty, "edits not found in the schema: \(pair.missing)")
        #expect(pair.old != pair.new)
        let diff = try Self.diff(pair.old, pair.new)
        #expect(diff.changes.map { "\($0.id.rawValue) \($0.name)" } == pair.expected, "\(diff.textReport())")
        for change in diff.changes {
            #expect(change.severity == change.id.severity)
            #expect(!change.effect.isEmpty)
        }
    }

    @Test func theTableCoversEveryKind() {
        let covered = Set(Self.pairs.flatMap { $0.expected.compactMap { $0.split(separator: " ").first.map(String.init) } })
        let missing = SchemaChange.Kind.allCases.map(\.rawValue).filter { !covered.contains($0) }
        #expect(missing.isEmpty, "kinds without a pair: \(missing)")
    }

    /// The README's table of kinds: `| \`id\` | class | when | what happens while both versions run |`.
    @Test func theReadmeListsEveryKindWithItsClass() throws {
        let readme = try TestFiles.read(TestFiles.packageRoot.appendingPathComponent("README.md"))
        let rows = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| `") }
        for kind in SchemaChange.Kind.allCases {
            #expect(rows.contains { $0.hasPrefix("| `\(kind.rawValue)` | \(kind.severity.rawValue) | ") }, "README lacks the row of \(kind.rawValue)")
        }
        // Rows of four cells whose second is a class: the check table's rows have three.
        let listed = rows.filter { row in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count == 4 && SchemaChange.Severity.allCases.map(\.rawValue).contains(cells[1])
        }
        #expect(listed.count == SchemaChange.Kind.allCases.count)
    }

    @Test func identicalSchemasHaveNoChange() throws {
        let diff = try Self.diff(Self.base, Self.base)
        #expect(diff.changes.isEmpty)
        #expect(diff.highestSeverity == nil)
        #expect(!diff.fails(warningsAsErrors: true))
        #expect(diff.old.fingerprint == diff.new.fingerprint)
        #expect(diff.textReport() == "old.cache.yaml → new.cache.yaml: no change that a running fleet notices\n")
    }

    @Test func commentsFormattingAndAccessAreNoChange() throws {
        let new = Self.base
            .replacingOccurrences(of: "# The test schema.\n", with: "# The test schema, reworded.\n# Another line.\n")
            .replacingOccurrences(of: "namespace: shop", with: "namespace: shop   # every key is prefixed\nswift: { access: public }")
            .replacingOccurrences(of: "  order:\n", with: "  # One order.\n  order:\n")
            .replacingOccurrences(of: "{ pattern: \"order:{order_id}\", ttl: 2m }", with: "{ pattern: 'order:{order_id}',   ttl: 2m }")
        #expect(try Self.diff(Self.base, new).changes.isEmpty)
    }

    /// A pattern written differently that gives the same keys, a renamed parameter, a String parameter turned into a
    /// custom type (encoded alike), and a renamed TTL class of the same duration change nothing a fleet sees.
    @Test func changesWithoutEffectOnKeysAreNoChange() throws {
        let new = Self.applying([
            ("\"config:flags\"", "\"flags\""),
            ("id: { order_id: UUID }", "id: { id: UUID }"),
            ("\"order:{order_id}\"", "\"order:{id}\""),
            ("params: { email: String }", "params: { email: EmailAddress }"),
            ("  user: 5m", "  person: 5m"),
            ("ttl: user", "ttl: person"),
        ])
        let diff = try Self.diff(Self.base, new)
        #expect(diff.changes.isEmpty, "\(diff.textReport())")
    }

    /// Patterns that take the namespace in keep every key: only the namespace's own effect (index sets and markers
    /// move) is reported.
    @Test func aNamespaceTakenIntoThePatternsKeepsTheKeys() throws {
        let old = """
            version: 1
            namespace: shop
            entities:
              user:
                id: { user_id: UUID }
                keys:
                  user: { pattern: "user:{user_id}" }

            """
        let new = old.replacingOccurrences(of: "namespace: shop\n", with: "").replacingOccurrences(of: "\"user:{user_id}\"", with: "\"shop:user:{user_id}\"")
        let diff = try Self.diff(old, new)
        #expect(diff.changes.map(\.id) == [.namespaceChanged])
        let change = try #require(diff.changes.first)
        #expect(change.old == "shop" && change.new == "(none)")
        #expect(change.effect.contains("'user' keeps its text"))
    }

    /// Swapping two parameters of one type keeps the pattern's shape but not its keys: each name keeps its value.
    @Test func swappedParametersChangeThePattern() throws {
        let old = """
            version: 1
            entities:
              route:
                id: { from: String, to: String }
                keys:
                  route: { pattern: "route:{from}:{to}" }

            """
        let diff = try Self.diff(old, old.replacingOccurrences(of: "\"route:{from}:{to}\"", with: "\"route:{to}:{from}\""))
        #expect(diff.changes.map(\.id) == [.patternChanged])
    }

    @Test func aPatternChangeSaysWhetherInvalidationsStillCross() throws {
        // `user:{user_id}` → `users:{user_id}`: both versions index the key under the same instance, so each version's
        // invalidateUser still empties the other's stores; only writes do not cross.
        let indexed = try #require(try Self.diff(Self.base, Self.applying([("\"user:{user_id}\", ttl: user", "\"users:{user_id}\", ttl: user")])).changes.first)
        #expect(indexed.old == "shop:user:{<user_id>}" && indexed.new == "shop:users:{<user_id>}")
        #expect(indexed.effect.contains("Invalidations (invalidateUser) still delete both versions' keys"))
        #expect(indexed.effect.contains("up to its TTL (5m)"))
        #expect(indexed.touches == ["user"] && indexed.keyName == "user" && indexed.oldKeyName == "user")
        // An entity whose id moved to another parameter names other instances: its index sets differ too.
        let pairSchema = """
            version: 1
            entities:
              pair:
                id: { a: String }
                keys:
                  pair: { pattern: "pair:{a}:{b}", params: { b: String } }

            """
        let retagged = pairSchema.replacingOccurrences(of: "id: { a: String }", with: "id: { b: String }")
            .replacingOccurrences(of: "params: { b: String }", with: "params: { a: String }")
        let moved = try #require(try Self.diff(pairSchema, retagged).changes.first)
        #expect(moved.id == .hashTagMoved)
        #expect(moved.old == "pair:{<a>}:<b>" && moved.new == "pair:<a>:{<b>}")
        #expect(moved.effect.contains("Neither a write (set, write-through) nor an invalidation (invalidatePair)"))
    }

    @Test func changesAreOrderedBySeverity() throws {
        let new = Self.applying([
            ("\"order:{order_id}\", ttl: 2m", "\"order:{order_id}\", ttl: 3m"),
            ("value: UserDTO", "value: UserRecord"),
            ("\"config:flags\"", "\"config:flags:v2\""),
        ])
        let diff = try Self.diff(Self.base, new)
        #expect(diff.changes.map(\.id) == [.patternChanged, .valueTypeChanged, .ttlChanged])
        #expect(diff.counts == SchemaDiff.Counts(breaking: 1, warning: 1, safe: 1))
        #expect(diff.fails())
        let report = diff.textReport()
        #expect(report.hasPrefix("new.cache.yaml:25: breaking: key 'flags': shop:{config}:flags → shop:{config}:flags:v2 [#pattern-changed]\n  "))
        #expect(report.contains("new.cache.yaml:10: warning: key 'user': UserDTO → UserRecord [#value-type-changed]\n"))
        #expect(report.hasSuffix("\nold.cache.yaml → new.cache.yaml: 1 breaking, 1 warning, 1 safe\n"))
    }

    @Test func warningsFailOnlyWhenAsked() throws {
        let diff = try Self.diff(Self.base, Self.applying([("value: UserDTO", "value: UserRecord")]))
        #expect(!diff.fails())
        #expect(diff.fails(warningsAsErrors: true))
    }

    @Test func removedThingsAreLocatedInTheOldFile() throws {
        let diff = try Self.diff(Self.base, Self.applying([("      user: { pattern: \"user:{user_id}\", ttl: user, value: UserDTO }\n", "")]))
        let change = try #require(diff.changes.first)
        #expect(change.file == "old.cache.yaml" && change.line == 10)
        #expect(change.keyName == nil && change.oldKeyName == "user" && change.touches == ["user"])
        #expect(change.effect.contains("invalidateUser still deletes it (through the index set of 'user')"))
    }

    @Test func anEntityRemovedTouchesWhatItReached() throws {
        let diff = try Self.diff(Self.base, Self.applying([("  account:\n    id: { user_id: UUID }\n    keys:\n      account: { pattern: \"account:{user_id}\", ttl: 10m }\n    related: [\"user:{user_id}:orders:*\"]\n", "")]))
        let change = try #require(diff.changes.first)
        #expect(change.touches == ["account", "userOrders"])
        #expect(change.effect.contains("'userOrders' stays in the schema"))
    }

    @Test func jsonHasTheFieldsToolsMatchOn() throws {
        let diff = try Self.diff(Self.base, Self.applying([("\"user:{user_id}\", ttl: user", "\"users:{user_id}\", ttl: user")]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(diff)) as? [String: Any])
        let changes = try #require(json["changes"] as? [[String: Any]])
        #expect(changes.first?["id"] as? String == "pattern-changed")
        #expect(changes.first?["severity"] as? String == "breaking")
        #expect(changes.first?["subject"] as? String == "key")
        #expect(changes.first?["keyName"] as? String == "user")
        #expect(changes.first?["touches"] as? [String] == ["user"])
        #expect((json["counts"] as? [String: Int])?["breaking"] == 1)
        #expect((json["new"] as? [String: Any])?["file"] as? String == "new.cache.yaml")
    }
}
