import CacheRuntime
import Foundation
import RedisTestSupport
import Testing

/// Key layout version 2 in the reference schema's generated code: every key carries exactly one non-empty Redis
/// Cluster hash tag, an instance's keys and its index and marker names share it, and no value can empty or move it.
///
/// Slots are compared through the tag's text: two keys whose tags are equal hash to one slot (CRC16 of the tag),
/// which is what the runtime's scripts need.
@Suite("Hash tags")
struct HashTagTests {
    /// The text Redis Cluster hashes: between the first `{` and the next `}`, when not empty.
    static func hashTag(of key: String) -> Substring? {
        guard let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}") else { return nil }
        let content = key[key.index(after: open)..<close]
        return content.isEmpty ? nil : content
    }

    @Test("every key of the schema has exactly one non-empty tag, and its owners name it")
    func everyKeyHasOneTag() throws {
        for key in Fixtures.allKeys {
            #expect(key.rawValue.filter { $0 == "{" }.count == 1, "\(key.rawValue)")
            #expect(key.rawValue.filter { $0 == "}" }.count == 1, "\(key.rawValue)")
            let tag = try #require(Self.hashTag(of: key.rawValue), "\(key.rawValue)")
            for owner in key.owners {
                #expect(owner.hashTag == String(tag), "\(key.rawValue) owned by \(owner)")
            }
        }
    }

    @Test("a user's keys, its orders' keys and both instances share one tag")
    func oneInstanceOneTag() throws {
        for id in Fixtures.identities {
            let encoded = id.uuidString.lowercased()
            let user = CacheKeys.user(userID: id)
            let pages = [1, 2, -7, Int.max].map { CacheKeys.userOrders(userID: id, page: $0, as: OrdersPage.self) }
            #expect(Self.hashTag(of: user.rawValue) == Substring(encoded))
            #expect(user.rawValue == "shop:user:{\(encoded)}")
            for page in pages { #expect(Self.hashTag(of: page.rawValue) == Self.hashTag(of: user.rawValue)) }
            let instances = [CacheInvalidations.user(userID: id).instance, CacheInvalidations.userOrders(userID: id).instance]
            #expect(instances.map(\.hashTag) == [encoded, encoded])
            #expect(user.owners.map(\.hashTag) == [encoded])
            #expect(pages.flatMap(\.owners).allSatisfy { $0.hashTag == encoded })
            // The invalidations' keys and globs carry the same tag.
            for invalidation in [CacheInvalidations.user(userID: id), CacheInvalidations.userOrders(userID: id)] {
                for text in invalidation.keys.map(\.rawValue) + invalidation.patterns.map(\.glob) {
                    #expect(Self.hashTag(of: text) == Substring(encoded), "\(text)")
                }
            }
            // A restaurant's key, menu and stats share theirs.
            let restaurant = CacheKeys.restaurant(restaurantID: id, as: String.self)
            let menu = CacheKeys.restaurantMenu(restaurantID: id, as: String.self)
            let stats = CacheKeys.restaurantStats(restaurantID: id, as: String.self)
            #expect(Self.hashTag(of: restaurant.rawValue) == Self.hashTag(of: menu.rawValue))
            #expect(Self.hashTag(of: restaurant.rawValue) == Self.hashTag(of: stats.rawValue))
        }
    }

    @Test("a key no instance owns tags its value: an e-mail's key and its ~kgen marker share it")
    func unownedKeyTagsItsValue() {
        let key = CacheKeys.userByEmail(email: "a@b.com", as: UserDTO.self)
        #expect(key.rawValue == "shop:user:email:{a@b.com}")
        #expect(key.owners.isEmpty)
        // The runtime's marker for a key without an owner is `<ns>:~kgen:<key>`, which carries the same tag.
        #expect(Self.hashTag(of: "shop:~kgen:user:email:{a@b.com}") == Self.hashTag(of: key.rawValue))
    }

    @Test("random hostile values never empty, move or add a tag")
    func hostileValuesKeepTheTag() {
        var random = SplitMix64(seed: 0x7A65_4E11)
        let pieces = ["{", "}", "{}", "}{", "%", "%25", "%7B", ":", "*", "?", "[", "\\", "a", "Z", "9", "é", "e\u{301}", "😀", "日本", "\u{0}", "\n", " ", "~", "{x}"]
        for _ in 0..<3_000 {
            let value = (0..<random.below(7)).map { _ in pieces[random.below(pieces.count)] }.joined()
            let key = CacheKeys.userByEmail(email: value, as: UserDTO.self).rawValue
            let encoded = CacheKeyEncoding.encode(value)
            #expect(key == "shop:user:email:" + CacheKeyEncoding.hashTag(encoded))
            #expect(key.filter { $0 == "{" }.count == 1 && key.filter { $0 == "}" }.count == 1, "\(key)")
            #expect(Self.hashTag(of: key).map(String.init) == (encoded.isEmpty ? "%" : encoded), "\(key)")
        }
        // The empty value has the tag `{%}`, which no other value gives.
        #expect(CacheKeys.userByEmail(email: "", as: UserDTO.self).rawValue == "shop:user:email:{%}")
        #expect(CacheKeys.userByEmail(email: "%", as: UserDTO.self).rawValue == "shop:user:email:{%25}")
    }

    @Test("the generic path gives the same instance, tag included")
    func genericPathAgrees() throws {
        for id in Fixtures.identities {
            let generic = try CacheKeys.schema.invalidation(entity: "userOrders", identity: ["user_id": id.uuidString])
            #expect(generic.instance == CacheInvalidations.userOrders(userID: id).instance)
            #expect(generic.instance.hashTag == id.uuidString.lowercased())
        }
        let layout = try CacheKeys.schema.layout(of: CacheKeyDescriptors.userOrders)
        #expect(layout.description == "orders:user:{<user_id>}:page:<page>")
    }
}
