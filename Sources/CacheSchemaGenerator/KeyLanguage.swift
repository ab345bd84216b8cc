import CacheSchemaCore

/// The set of concrete keys a pattern can produce, as a small automaton over ASCII, so that two patterns can be
/// checked for a common key (and an example of one found) exactly, whatever their shapes.
///
/// A `String` placeholder accepts any run of encoded-value bytes (at least one when it alone fills a hash tag), an
/// `Int` `-?[0-9]+`, a `UUID` exactly 36 canonical characters, a `Bool` `true` or `false`; a glob `*` any run of bytes
/// and `?` any one byte; the hash tag's braces themselves.
///
/// The automaton is stored flat: the transitions of state `s` are `transitions[transitionStart[s]..<transitionStart[s
/// + 1]]`, in the order they were added (the order decides which example a search finds), and likewise its epsilon
/// moves. One language holds four arrays however many states it has.
struct KeyLanguage: Sendable {
    private struct Transition: Sendable {
        var bytes: CharacterSet128
        var target: Int
    }

    private let transitionStart: [Int]
    private let transitions: [Transition]
    private let epsilonStart: [Int]
    private let epsilons: [Int]
    let accepting: Int

    /// The number of states.
    var stateCount: Int { transitionStart.count - 1 }

    /// Builds the language of a key layout (or a glob's) whose placeholders have the given types (a missing type
    /// counts as String). The hash tag's braces are literal bytes of the key, as Redis and SCAN see them, so two
    /// layouts that differ only by where the tag sits share no key.
    init(_ layout: CacheKeyLayout, types: [String: CacheParameterType], prefix: String?) {
        var builder = Builder()
        var current = 0
        if let prefix {
            current = builder.appendLiteral(prefix, from: current)
            current = builder.appendLiteral(":", from: current)
        }
        for segment in layout.head {
            current = Self.append(segment, from: current, types: types, into: &builder)
        }
        if layout.placement != .untagged {
            current = builder.appendLiteral("{", from: current)
            // A tag of one value is never empty: `CacheKeyEncoding.hashTag` writes an empty value as `{%}`.
            let nonEmpty = layout.tag.count == 1
            for segment in layout.tag {
                current = Self.append(segment, from: current, types: types, nonEmpty: nonEmpty, into: &builder)
            }
            current = builder.appendLiteral("}", from: current)
        }
        for segment in layout.tail {
            current = Self.append(segment, from: current, types: types, into: &builder)
        }
        accepting = current
        (transitionStart, transitions) = Self.grouped(builder.transitions, states: builder.stateCount)
        (epsilonStart, epsilons) = Self.grouped(builder.epsilons, states: builder.stateCount)
    }

    /// Builds the language of a pattern as written, without a hash tag: what its keys would be if tags did not
    /// exist, for messages that explain why a pattern matches nothing.
    init(untagged pattern: CachePattern, types: [String: CacheParameterType], prefix: String?) {
        var builder = Builder()
        var current = 0
        if let prefix {
            current = builder.appendLiteral(prefix, from: current)
            current = builder.appendLiteral(":", from: current)
        }
        for segment in pattern.segments {
            current = Self.append(segment, from: current, types: types, into: &builder)
        }
        accepting = current
        (transitionStart, transitions) = Self.grouped(builder.transitions, states: builder.stateCount)
        (epsilonStart, epsilons) = Self.grouped(builder.epsilons, states: builder.stateCount)
    }

    /// Adds the states of one segment after `current` and returns the state it ends in. With `nonEmpty`, a String
    /// value takes at least one byte.
    private static func append(
        _ segment: CachePattern.Segment, from current: Int, types: [String: CacheParameterType], nonEmpty: Bool = false,
        into builder: inout Builder
    ) -> Int {
        var current = current
        switch segment {
        case .literal(let text):
            current = builder.appendLiteral(text, from: current)
        case .anyRun:
            current = builder.appendRun(KeyAlphabet.any, from: current)
        case .anyCharacter:
            let next = builder.newState()
            builder.add(from: current, bytes: KeyAlphabet.any, to: next)
            current = next
        case .placeholder(let name, _):
            switch types[name] ?? .string {
            case .string, .custom:
                if nonEmpty {
                    let first = builder.newState()
                    builder.add(from: current, bytes: KeyAlphabet.string, to: first)
                    current = builder.appendRun(KeyAlphabet.string, from: first)
                } else {
                    current = builder.appendRun(KeyAlphabet.string, from: current)
                }
            case .int:
                let sign = builder.newState(), digits = builder.newState()
                builder.add(from: current, bytes: Self.dash, to: sign)
                builder.addEpsilon(from: current, to: sign)
                builder.add(from: sign, bytes: Self.digits, to: digits)
                builder.add(from: digits, bytes: Self.digits, to: digits)
                current = digits
            case .uuid:
                for index in 0..<36 {
                    let next = builder.newState()
                    let bytes = index == 8 || index == 13 || index == 18 || index == 23 ? Self.dash : Self.hexDigits
                    builder.add(from: current, bytes: bytes, to: next)
                    current = next
                }
            case .bool:
                let end = builder.newState()
                for word in Self.boolWords {
                    var state = current
                    for (offset, byte) in word.utf8.enumerated() {
                        let next = offset == word.utf8.count - 1 ? end : builder.newState()
                        builder.add(from: state, bytes: CharacterSet128(byte: byte), to: next)
                        state = next
                    }
                }
                current = end
            }
        }
        return current
    }

    // The shapes of Int and UUID values, over the alphabets `CacheKeyEncoding` states.
    private static let dash = CharacterSet128(ascii: "-")
    private static let digits = KeyAlphabet.int.subtracting(dash)
    private static let hexDigits = KeyAlphabet.uuid.subtracting(dash)
    private static let boolWords = [CacheKeyEncoding.encode(true), CacheKeyEncoding.encode(false)]

    /// Edges in the order they were added, by source state.
    private struct Builder {
        var stateCount = 1
        var transitions: [(from: Int, edge: Transition)] = []
        var epsilons: [(from: Int, edge: Int)] = []

        mutating func newState() -> Int {
            stateCount += 1
            return stateCount - 1
        }

        mutating func add(from: Int, bytes: CharacterSet128, to: Int) {
            transitions.append((from, Transition(bytes: bytes, target: to)))
        }

        mutating func addEpsilon(from: Int, to: Int) {
            epsilons.append((from, to))
        }

        mutating func appendLiteral(_ text: String, from start: Int) -> Int {
            var current = start
            for byte in text.utf8 {
                let next = newState()
                add(from: current, bytes: CharacterSet128(byte: byte), to: next)
                current = next
            }
            return current
        }

        mutating func appendRun(_ bytes: CharacterSet128, from start: Int) -> Int {
            let loop = newState()
            addEpsilon(from: start, to: loop)
            add(from: loop, bytes: bytes, to: loop)
            return loop
        }
    }

    /// Edges grouped by source state, keeping their order within each state (a counting sort): the start of each
    /// state's run (one more entry than states) and the edges.
    private static func grouped<Edge>(_ edges: [(from: Int, edge: Edge)], states: Int) -> ([Int], [Edge]) {
        var start = [Int](repeating: 0, count: states + 1)
        for edge in edges { start[edge.from + 1] += 1 }
        for state in 0..<states { start[state + 1] += start[state] }
        var next = start
        let grouped = [Edge](unsafeUninitializedCapacity: edges.count) { buffer, count in
            // Every slot is written once: `start` counts exactly the edges of each state.
            for edge in edges {
                (buffer.baseAddress! + next[edge.from]).initialize(to: edge.edge)
                next[edge.from] += 1
            }
            count = edges.count
        }
        return (start, grouped)
    }

    /// A concrete key both languages contain, or `nil` when they share none.
    func commonMember(with other: KeyLanguage) -> String? {
        var search = Search()
        return commonMember(with: other, using: &search)
    }

    /// Working storage for ``commonMember(with:using:)``, reused from one search to the next so that checking many
    /// pairs allocates nothing per pair.
    struct Search {
        /// One bit per pair of states, all clear between searches.
        fileprivate var visited: [UInt64] = []
        fileprivate var queue: [SearchEntry] = []
    }

    /// A pair of states reached during a search: the queue position it was reached from, and the byte read on the
    /// way (-1 for an epsilon move).
    fileprivate struct SearchEntry {
        var a: Int32
        var b: Int32
        var parent: Int32
        var byte: Int16
    }

    /// ``commonMember(with:)`` with working storage kept by the caller.
    ///
    /// A breadth-first search of the product automaton: the first accepting pair found gives the shortest common
    /// key (in the order states and transitions were added). The pair of states `a` and `b` is number
    /// `a * other.stateCount + b`, so that the visited set is a bit array and each queue entry records its parent's
    /// position, with no hashing.
    func commonMember(with other: KeyLanguage, using search: inout Search) -> String? {
        let countB = other.stateCount
        var visited: [UInt64] = []
        var queue: [SearchEntry] = []
        swap(&visited, &search.visited)
        swap(&queue, &search.queue)
        let words = (stateCount * countB + 63) >> 6
        if visited.count < words { visited.append(contentsOf: repeatElement(0, count: words - visited.count)) }
        queue.removeAll(keepingCapacity: true)
        defer {
            // Clear exactly the words this search set bits in, so that the next search starts clean.
            for entry in queue { visited[(Int(entry.a) * countB + Int(entry.b)) >> 6] = 0 }
            swap(&visited, &search.visited)
            swap(&queue, &search.queue)
        }

        func visit(a: Int, b: Int, parent: Int32, byte: Int16) {
            let pair = a * countB + b
            let mask: UInt64 = 1 << UInt64(pair & 63)
            guard visited[pair >> 6] & mask == 0 else { return }
            visited[pair >> 6] |= mask
            queue.append(SearchEntry(a: Int32(a), b: Int32(b), parent: parent, byte: byte))
        }

        visit(a: 0, b: 0, parent: -1, byte: -1)
        var head = 0
        while head < queue.count {
            let entry = queue[head]
            let a = Int(entry.a), b = Int(entry.b)
            if a == accepting && b == other.accepting {
                var bytes: [UInt8] = []
                var cursor = head
                while cursor > 0 {
                    let step = queue[cursor]
                    if step.byte >= 0 { bytes.append(UInt8(step.byte)) }
                    cursor = Int(step.parent)
                }
                return String(decoding: bytes.reversed(), as: UTF8.self)
            }
            let parent = Int32(head)
            for index in epsilonStart[a]..<epsilonStart[a + 1] {
                visit(a: epsilons[index], b: b, parent: parent, byte: -1)
            }
            for index in other.epsilonStart[b]..<other.epsilonStart[b + 1] {
                visit(a: a, b: other.epsilons[index], parent: parent, byte: -1)
            }
            let rightRange = other.transitionStart[b]..<other.transitionStart[b + 1]
            for leftIndex in transitionStart[a]..<transitionStart[a + 1] {
                let left = transitions[leftIndex]
                for rightIndex in rightRange {
                    let right = other.transitions[rightIndex]
                    let shared = left.bytes.intersection(right.bytes)
                    if !shared.isEmpty, let byte = shared.representative {
                        visit(a: left.target, b: right.target, parent: parent, byte: Int16(byte))
                    }
                }
            }
            head += 1
        }
        return nil
    }
}
