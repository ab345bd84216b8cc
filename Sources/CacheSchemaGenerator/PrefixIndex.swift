/// Finds, among many patterns, those whose literal prefix is compatible with a given prefix (one is a prefix of the
/// other): only those can share a concrete key. It turns the analyzer's all-pairs checks into near-linear work for
/// schemas of thousands of keys.
struct PrefixIndex {
    private let sorted: [(prefix: String, index: Int)]
    private let byPrefix: [String: [Int]]
    /// The lengths, in Characters, that indexed prefixes have, in increasing order.
    private let lengths: [Int]

    /// Indexes the given literal prefixes by position.
    init(prefixes: [String]) {
        sorted = prefixes.enumerated().map { ($0.element, $0.offset) }.sorted { $0.prefix < $1.prefix }
        var byPrefix: [String: [Int]] = [:]
        for (index, prefix) in prefixes.enumerated() { byPrefix[prefix, default: []].append(index) }
        self.byPrefix = byPrefix
        lengths = Set(byPrefix.keys.map(\.count)).sorted()
    }

    /// The positions of every prefix that is a prefix of `prefix` or extends it, in no particular order.
    func candidates(compatibleWith prefix: String) -> [Int] {
        var result: [Int] = []
        // Shorter prefixes (and equal ones): look up the leading parts of the lengths some prefix has.
        let count = prefix.count
        for length in lengths {
            guard length <= count else { break }
            if let matches = byPrefix[length == count ? prefix : String(prefix.prefix(length))] { result += matches }
        }
        // Longer prefixes: the sorted range that starts with `prefix`.
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].prefix < prefix { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < sorted.count, sorted[index].prefix.hasPrefix(prefix) {
            if sorted[index].prefix.count > prefix.count { result.append(sorted[index].index) }
            index += 1
        }
        return result
    }
}
