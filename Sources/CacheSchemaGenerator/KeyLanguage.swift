/// The set of concrete keys a pattern can produce, as a small automaton over ASCII, so that two patterns can be
/// checked for a common key (and an example of one found) exactly, whatever their shapes.
///
/// A `String` placeholder accepts any run of encoded-value bytes, an `Int` `-?[0-9]+`, a `UUID` exactly 36
/// canonical characters, a `Bool` `true` or `false`; a glob `*` any run of bytes and `?` any one byte.
struct KeyLanguage: Sendable {
    private struct Transition: Sendable {
        var bytes: CharacterSet128
        var target: Int
    }

    private var transitions: [[Transition]] = [[]]
    private var epsilons: [[Int]] = [[]]
    private(set) var accepting = 0

    /// Builds the language of a pattern whose placeholders have the given types (a missing type counts as String).
    init(_ pattern: Pattern, types: [String: ParameterType], prefix: String?) {
        var current = 0
        if let prefix { current = appendLiteral(prefix + ":", from: current) }
        for segment in pattern.segments {
            switch segment {
            case .literal(let text):
                current = appendLiteral(text, from: current)
            case .anyRun:
                current = appendRun(KeyAlphabet.any, from: current)
            case .anyCharacter:
                let next = newState()
                add(from: current, bytes: KeyAlphabet.any, to: next)
                current = next
            case .placeholder(let name, _):
                switch types[name] ?? .string {
                case .string, .custom:
                    current = appendRun(KeyAlphabet.string, from: current)
                case .int:
                    let sign = newState(), digits = newState()
                    add(from: current, bytes: CharacterSet128(ascii: "-"), to: sign)
                    epsilons[current].append(sign)
                    let digitSet = CharacterSet128(ascii: "0123456789")
                    add(from: sign, bytes: digitSet, to: digits)
                    add(from: digits, bytes: digitSet, to: digits)
                    current = digits
                case .uuid:
                    for index in 0..<36 {
                        let next = newState()
                        let bytes = [8, 13, 18, 23].contains(index) ? CharacterSet128(ascii: "-") : CharacterSet128(ascii: "0123456789abcdef")
                        add(from: current, bytes: bytes, to: next)
                        current = next
                    }
                case .bool:
                    let end = newState()
                    for word in ["true", "false"] {
                        var state = current
                        for (offset, byte) in word.utf8.enumerated() {
                            let next = offset == word.utf8.count - 1 ? end : newState()
                            add(from: state, bytes: CharacterSet128(byte: byte), to: next)
                            state = next
                        }
                    }
                    current = end
                }
            }
        }
        accepting = current
    }

    private mutating func newState() -> Int {
        transitions.append([])
        epsilons.append([])
        return transitions.count - 1
    }

    private mutating func add(from: Int, bytes: CharacterSet128, to: Int) {
        transitions[from].append(Transition(bytes: bytes, target: to))
    }

    private mutating func appendLiteral(_ text: String, from start: Int) -> Int {
        var current = start
        for byte in text.utf8 {
            let next = newState()
            add(from: current, bytes: CharacterSet128(byte: byte), to: next)
            current = next
        }
        return current
    }

    private mutating func appendRun(_ bytes: CharacterSet128, from start: Int) -> Int {
        let loop = newState()
        epsilons[start].append(loop)
        add(from: loop, bytes: bytes, to: loop)
        return loop
    }

    /// A concrete key both languages contain, or `nil` when they share none.
    func commonMember(with other: KeyLanguage) -> String? {
        struct Pair: Hashable {
            var a: Int
            var b: Int
        }
        var parent: [Pair: (Pair, UInt8?)] = [:]
        let start = Pair(a: 0, b: 0)
        var queue = [start]
        var visited: Set<Pair> = [start]
        var head = 0
        while head < queue.count {
            let pair = queue[head]
            head += 1
            if pair.a == accepting && pair.b == other.accepting {
                var bytes: [UInt8] = []
                var cursor = pair
                while let (previous, byte) = parent[cursor] {
                    if let byte { bytes.append(byte) }
                    cursor = previous
                }
                return String(decoding: bytes.reversed(), as: UTF8.self)
            }
            func visit(_ next: Pair, _ byte: UInt8?) {
                if visited.insert(next).inserted {
                    parent[next] = (pair, byte)
                    queue.append(next)
                }
            }
            for target in epsilons[pair.a] { visit(Pair(a: target, b: pair.b), nil) }
            for target in other.epsilons[pair.b] { visit(Pair(a: pair.a, b: target), nil) }
            for left in transitions[pair.a] {
                for right in other.transitions[pair.b] {
                    let shared = left.bytes.intersection(right.bytes)
                    if let byte = shared.representative, !shared.isEmpty {
                        visit(Pair(a: left.target, b: right.target), byte)
                    }
                }
            }
        }
        return nil
    }
}
