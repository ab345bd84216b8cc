import CacheSchemaCore
import Foundation

/// The value the schema's `user` key holds (`value: Profile`).
struct Profile: Codable, Sendable {
    var name: String
}

let id = UUID(uuidString: "7C9E6679-7425-40DE-944B-E07FC1F90AE7")!
let key: CacheKey<Profile> = CacheKeys.user(userID: id)
print("key=\(key)")
print("name=\(key.name)")
print("ttl=\(key.ttl.components.seconds)")
print("ttl-class=\(CacheTTL.user.components.seconds)")
