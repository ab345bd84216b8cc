import CacheSchemaRedis

extension KeyClassifier {
    /// Recognises the slot tags of the runtime's pattern markers (`~pgen:{<slot tag>}`): the tag of a slot is the first
    /// number, counting from 0 and written in base 36, whose CRC16 lands in that slot. This restates `CacheRuntime`'s
    /// (internal) `CacheSlotTags` rule, part of key layout version 2; the tests compare the two.
    enum SlotTags {
        /// The number whose base-36 text is each slot's tag, indexed by slot. Built on first use (a pattern marker
        /// seen), in a few milliseconds.
        static let numbers: [Int32] = {
            var numbers = [Int32](repeating: -1, count: RedisClusterSlot.count)
            var missing = RedisClusterSlot.count
            var number: Int32 = 0
            while missing > 0 {
                let slot = RedisClusterSlot.of(String(number, radix: 36))
                if numbers[slot] < 0 {
                    numbers[slot] = number
                    missing -= 1
                }
                number += 1
            }
            return numbers
        }()

        /// Whether `key[range]` is the tag of its slot: lower-case base-36 digits without a leading zero, naming the
        /// number that tags the slot it hashes to (any other number is some slot's, but not its tag).
        static func isTag(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            // Six base-36 digits pass every slot's tag (they need four) and stay far within Int32.
            guard (1...6).contains(range.count) else { return false }
            if range.count > 1, key[range.lowerBound] == UInt8(ascii: "0") { return false }
            var number: Int32 = 0
            for index in range {
                let byte = key[index]
                let digit: Int32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int32(byte - UInt8(ascii: "a")) + 10
                default: return false
                }
                number = number * 36 + digit
            }
            return numbers[RedisClusterSlot.of(bytes: UnsafeBufferPointer(rebasing: key[range]))] == number
        }
    }
}
