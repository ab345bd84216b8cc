import CacheSchemaRedis

/// One short hash tag per Redis Cluster slot: `tag(forSlot: s)` hashes to slot `s`. The runtime names one pattern
/// marker per slot with them (`<namespace>:~pgen:{<tag>}`, see ``CacheIndexKeys``), so that a fill checks the
/// marker that shares its key's slot, and a SCAN deletion bumps every slot's.
///
/// The tag of a slot is the first number, counting from 0 and written in base 36 (`0`, `1`, …, `z`, `10`, …), whose
/// CRC16 lands in that slot. Marker names persist across deploys and are shared by every process of a fleet, so this
/// rule is part of the key layout: it never changes without a new layout version. Public for `cache-schema inspect`,
/// which recognises the markers by it.
public enum CacheSlotTags {
    /// The 16,384 tags, indexed by slot.
    public static let all: [String] = {
        var tags = [String?](repeating: nil, count: RedisClusterSlot.count)
        var missing = RedisClusterSlot.count
        var number = 0
        while missing > 0 {
            let candidate = String(number, radix: 36)
            let slot = RedisClusterSlot.of(candidate)
            if tags[slot] == nil {
                tags[slot] = candidate
                missing -= 1
            }
            number += 1
        }
        return tags.map { $0! }
    }()

    /// The tag that hashes to `slot`.
    public static func tag(forSlot slot: Int) -> String { all[slot] }

    /// Whether `text` is the tag of the slot it hashes to: how a tool recognises a pattern marker's name.
    public static func isTag(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 6 && all[RedisClusterSlot.of(text)] == text
    }
}
