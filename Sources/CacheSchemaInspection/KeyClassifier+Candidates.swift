extension KeyClassifier {
    /// Named key texts, bucketed by the byte their keys start with, so that a key is tried only against the few that
    /// can produce it (a schema has up to about a hundred keys, and an inspection up to a million keys to sort).
    struct Candidates: Sendable {
        private let names: [String]
        private let texts: [KeyText]
        /// Indexes into `texts`, one bucket per first byte.
        private let byFirstByte: [[Int]]
        /// Texts that start with a value, so with no fixed first byte: tried for every key.
        private let anyFirstByte: [Int]

        init(_ entries: [(name: String, text: KeyText)]) {
            names = entries.map(\.name)
            texts = entries.map(\.text)
            var buckets = [[Int]](repeating: [], count: 256)
            var any: [Int] = []
            for (index, text) in texts.enumerated() {
                if let byte = text.firstByte { buckets[Int(byte)].append(index) } else { any.append(index) }
            }
            byFirstByte = buckets
            anyFirstByte = any
        }

        /// The name of the first text that `key[range]` is exactly a key of, or `nil`. A checked schema has no two
        /// patterns that can produce one key, so the first is the only one.
        func firstMatch(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
            if !range.isEmpty {
                for index in byFirstByte[Int(key[range.lowerBound])] where texts[index].matches(key, range) {
                    return names[index]
                }
            }
            for index in anyFirstByte where texts[index].matches(key, range) {
                return names[index]
            }
            return nil
        }
    }
}
