/// Finds, among many patterns, those whose literal prefix is compatible with a given prefix (one is a prefix of the
/// other): only those can share a concrete key. It turns the analyzer's all-pairs checks into near-linear work for
/// schemas of thousands of keys.
struct PrefixIndex {
    private let sorted: [(prefix: String, index: Int)]
    private let byPrefix: [String: [Int]]

    /// Indexes the given literal prefixes by position.
    init(prefixes: [String]) {
        sorted = prefixes.enumerated().map { ($0.element, $0.offset) }.sorted { $0.prefix < $1.prefix }
        var byPrefix: [String: [Int]] = [:]
        for (index, prefix) in prefixes.enumerated() { byPrefix[prefix, default: []].append(index) }
        self.byPrefix = byPrefix
    }

    /// The positions of every prefix that is a prefix of `prefix` or extends it.
    func candidates(compatibleWith prefix: String) -> [Int] {
        var result: [Int] = []
        // Shorter prefixes (and equal ones): look each leading part up.
        var probe = ""
        if let matches = byPrefix[""] { result += matches }
        for character in prefix {
            probe.append(character)
            if let matches = byPrefix[probe] { result += matches }
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
