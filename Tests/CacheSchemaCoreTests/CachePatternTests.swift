import Testing

@testable import CacheSchemaCore

/// The pattern language's one parser. The generator's error fixtures pin every message and position as diagnostics;
/// these tests pin the parser's own results: segments, offsets, and the text of derived globs.
@Suite struct CachePatternTests {
    @Test func splitsAKeyPatternWithPlaceholderOffsets() throws {
        let pattern = try CachePattern("orders:user:{user_id}:page:{page}", kind: .key)
        #expect(pattern.segments == [
            .literal("orders:user:"), .placeholder("user_id", offset: 13), .literal(":page:"), .placeholder("page", offset: 28),
        ])
        #expect(pattern.placeholders == ["user_id", "page"])
        #expect(pattern.literalPrefix == "orders:user:")
        #expect(pattern.literalSuffix == "")
    }

    @Test func globsAcceptStarAndQuestionMarkKeysDoNot() throws {
        let glob = try CachePattern("user:{user_id}:*:?", kind: .glob)
        #expect(glob.segments == [.literal("user:"), .placeholder("user_id", offset: 6), .literal(":"), .anyRun, .literal(":"), .anyCharacter])
        #expect(glob.literalSuffix == "")
        #expect(throws: CachePatternError(
            "key patterns cannot contain the glob character '*'; use a {placeholder} for the varying part", offset: 5)) {
            try CachePattern("user:*", kind: .key)
        }
    }

    @Test(arguments: [
        ("", "a pattern is empty; write e.g. 'user:{user_id}'", 0),
        ("user:{user_id", "placeholder '{user_id' is not closed; add '}'", 5),
        ("user:{a{b}", "'{' inside a placeholder; placeholders cannot nest", 7),
        ("user:{}", "empty placeholder '{}'; write a parameter name, e.g. '{user_id}'", 5),
        ("user:{User}", "placeholder name 'User' must start with a lower-case letter and contain only letters, digits and single underscores", 6),
        ("{a}{b}", "placeholders '{a}' and '{b}' touch; separate them with literal text such as ':' so that every key has one reading", 3),
        ("user}", "'}' without a matching '{'", 4),
        ("user:[x]", "key patterns cannot contain the glob character '['", 5),
        ("ab:c d", "character U+0020 (whitespace or control) is not allowed in a pattern; use letters, digits and : _ - . / @ = # + ,", 4),
        ("ab:é", "character 'é' is not allowed in a pattern; use letters, digits and : _ - . / @ = # + ,", 3),
    ])
    func keyPatternErrorsSayWhatAndWhere(text: String, message: String, offset: Int) {
        #expect(throws: CachePatternError(message, offset: offset)) { try CachePattern(text, kind: .key) }
    }

    @Test func offsetsCountUnicodeScalars() {
        // "e" + combining acute is one Character but two scalars (two schema columns): the second '{' is at offset 3.
        #expect(throws: CachePatternError("'{' inside a placeholder; placeholders cannot nest", offset: 3)) {
            try CachePattern("{e\u{301}{", kind: .glob)
        }
    }

    @Test func rejectsOverlongPatterns() {
        let text = String(repeating: "a", count: CachePattern.maximumLength + 1)
        #expect(throws: CachePatternError("a pattern is 1025 characters long; the limit is 1024", offset: 0)) {
            try CachePattern(text, kind: .key)
        }
    }

    @Test func replacingPlaceholdersWritesTheGlobsText() throws {
        let pattern = try CachePattern("orders:user:{user_id}:page:{page}", kind: .key)
        let glob = pattern.replacingPlaceholders(notIn: ["user_id"])
        #expect(glob.text == "orders:user:{user_id}:page:*")
        #expect(glob.kind == .glob)
        #expect(glob == (try CachePattern("orders:user:{user_id}:page:*", kind: .glob)))
    }

    @Test func fillingPutsValuesInPlaceholdersAndKeepsGlobCharacters() throws {
        let glob = try CachePattern("user:{user_id}:*:{other}?", kind: .glob)
        #expect(glob.filled(with: ["user_id": "42", "other": "x"]) == "user:42:*:x?")
        #expect(glob.filled(with: ["user_id": "42"]) == "user:42:*:*?")
    }
}
