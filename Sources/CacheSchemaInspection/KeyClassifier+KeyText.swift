import CacheSchemaCore

extension KeyClassifier {
    /// The concrete keys of one layout (without the namespace), compiled for matching raw bytes: literal bytes,
    /// encoded values by type, and the hash tag as one piece, so that its `{%}` form of an empty value is decided in
    /// one place.
    struct KeyText: Sendable, Hashable {
        /// One piece of a key's text.
        enum Element: Sendable, Hashable {
            /// Bytes written as they are.
            case literal([UInt8])
            /// An encoded parameter value.
            case value(ValueKind)
            /// `{` + what the hash tag wraps + `}`; empty content stands as `%` (`CacheKeyEncoding.hashTag(_:)`).
            case tag([Element])
        }

        /// The pieces, adjacent literals merged and empty ones dropped.
        let elements: [Element]

        init(_ elements: [Element]) {
            self.elements = Self.normalized(elements)
        }

        /// The text of the concrete keys of `layout` (without the namespace), its placeholders typed by `types`. A
        /// placeholder of no known type (none in a checked schema) matches like a `String`, the widest alphabet.
        init(_ layout: CacheKeyLayout, types: [String: CacheParameterType]) {
            var all = Self.elements(layout.head, types: types)
            if layout.placement != .untagged { all.append(.tag(Self.elements(layout.tag, types: types))) }
            all += Self.elements(layout.tail, types: types)
            self.init(all)
        }

        /// The text of the hash tag of an entity's instances (`{<user_id>}`, `{config}`), as its index set and
        /// generation marker carry it.
        init(_ tag: CacheInstanceTag, types: [String: CacheParameterType]) {
            self.init([.tag(Self.elements(tag.segments, types: types))])
        }

        /// Pattern segments as elements.
        private static func elements(_ segments: [CachePattern.Segment], types: [String: CacheParameterType]) -> [Element] {
            segments.map { segment in
                switch segment {
                case .literal(let text): .literal(Array(text.utf8))
                case .placeholder(let name, _): .value(ValueKind(types[name] ?? .string))
                // Key layouts hold no wildcards; were one to appear, only its own character would match it.
                case .anyRun: .literal(Array("*".utf8))
                case .anyCharacter: .literal(Array("?".utf8))
                }
            }
        }

        /// The byte every key starts with, or `nil` when a value comes first (any byte of its alphabet, or whatever
        /// follows an empty one).
        var firstByte: UInt8? {
            switch elements.first {
            case .literal(let bytes)?: bytes.first
            case .tag?: UInt8(ascii: "{")
            case .value?, nil: nil
            }
        }

        /// The text of the keys' first segment, up to their first `:` (which only a literal can hold: encoded values
        /// never contain it), or the whole key when no literal has one. Without a namespace, pattern markers are named
        /// after it (`<first segment>:~pgen:{<slot tag>}`).
        var firstSegment: KeyText {
            var kept: [Element] = []
            for element in elements {
                switch element {
                case .literal(let bytes):
                    if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
                        return KeyText(kept + [.literal(Array(bytes[..<colon]))])
                    }
                case .tag(let inner):
                    // A `:` inside the tag cuts it open: the markers are named after what precedes the `:`, without the
                    // `{` (`CacheRuntime`'s `CacheIndexKeys.markerFamily(ofSegment:)`). Such a tag is never empty, so
                    // its `{%}` form does not arise.
                    for (index, piece) in inner.enumerated() {
                        if case .literal(let bytes) = piece, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
                            return KeyText(kept + inner[..<index] + [.literal(Array(bytes[..<colon]))])
                        }
                    }
                case .value:
                    break
                }
                kept.append(element)
            }
            return self
        }

        /// Whether `key[range]` is exactly a key of this text.
        func matches(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            Self.match(elements[...], key, from: range.lowerBound, to: range.upperBound)
        }

        /// Whether `key[position..<end]` is exactly the text of `elements`. A value's end is tried only where what
        /// follows it can start, longest first; since a schema's literal after a value is a byte the value cannot
        /// contain, there is at most one such place, and no real backtracking.
        private static func match(
            _ elements: ArraySlice<Element>, _ key: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int
        ) -> Bool {
            var position = start
            var index = elements.startIndex
            while index < elements.endIndex {
                switch elements[index] {
                case .literal(let bytes):
                    guard end - position >= bytes.count else { return false }
                    for offset in 0..<bytes.count where key[position + offset] != bytes[offset] { return false }
                    position += bytes.count
                case .tag(let inner):
                    guard position < end, key[position] == UInt8(ascii: "{") else { return false }
                    // The content runs to the next `}`: neither values nor literals contain one.
                    let contentStart = position + 1
                    var close = contentStart
                    while close < end, key[close] != UInt8(ascii: "}") { close += 1 }
                    guard close < end, close > contentStart else { return false }
                    let isEmptyForm = close == contentStart + 1 && key[contentStart] == UInt8(ascii: "%")
                    guard match(inner[...], key, from: contentStart, to: isEmptyForm ? contentStart : close) else { return false }
                    position = close + 1
                case .value(let kind):
                    let rest = elements[(index + 1)...]
                    return matchValue(kind, then: rest, key, from: position, to: end)
                }
                index += 1
            }
            return position == end
        }

        /// Whether `key[position..<end]` is a value of `kind` followed by the text of `rest`.
        private static func matchValue(
            _ kind: ValueKind, then rest: ArraySlice<Element>, _ key: UnsafeBufferPointer<UInt8>, from position: Int, to end: Int
        ) -> Bool {
            // The byte that must follow the value, or `nil` when the value ends the text.
            let follower: UInt8?
            switch rest.first {
            case .literal(let bytes)?: follower = bytes.first
            case .tag?: follower = UInt8(ascii: "{")
            case .value?: follower = nil  // placeholders never touch in a schema; try every end below
            case nil: follower = nil
            }
            let restIsEmpty = rest.isEmpty
            func accepts(_ valueEnd: Int) -> Bool {
                guard valueEnd <= end else { return false }
                if restIsEmpty {
                    guard valueEnd == end else { return false }
                } else if let follower {
                    guard valueEnd < end, key[valueEnd] == follower else { return false }
                }
                return kind.accepts(key, position..<valueEnd) && match(rest, key, from: valueEnd, to: end)
            }
            if let length = kind.fixedLength {
                return length.contains { accepts(position + $0) }
            }
            var runEnd = position
            while runEnd < end, kind.mayContain(key[runEnd]) { runEnd += 1 }
            var candidate = runEnd
            while candidate >= position {
                if accepts(candidate) { return true }
                candidate -= 1
            }
            return false
        }

        private static func normalized(_ elements: [Element]) -> [Element] {
            var result: [Element] = []
            for element in elements {
                switch element {
                case .literal(let bytes):
                    if bytes.isEmpty { continue }
                    if case .literal(let previous)? = result.last {
                        result[result.count - 1] = .literal(previous + bytes)
                    } else {
                        result.append(element)
                    }
                case .tag(let inner):
                    result.append(.tag(normalized(inner)))
                case .value:
                    result.append(element)
                }
            }
            return result
        }
    }
}
