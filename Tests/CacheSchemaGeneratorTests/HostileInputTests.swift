import Foundation
import RedisTestSupport
import Testing

@testable import CacheSchemaGenerator

/// Input no schema author writes but a generator must survive: every case ends in an error with a line and column,
/// quickly, never in a crash, a hang or a runaway allocation.
///
/// "Quickly" is measured in CPU time of the compiling thread, not wall time: a loaded machine (tests run in parallel,
/// beside builds) stretches wall time many times over, while a quadratic or exponential input still shows up as CPU.
/// The suite's time limit only catches a hang.
@Suite(.timeLimit(.minutes(10)))
struct HostileInputTests {
    /// CPU time, generous for a debug build on a slow machine; each case takes milliseconds to a second.
    static let fast = Duration.seconds(8)

    private func compile(_ bytes: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CompilationResult {
        var result: CompilationResult?
        let elapsed = measureThreadCPUTime { result = CacheSchemaCompiler.compile(bytes: bytes, file: "hostile.cache.yaml") }
        #expect(elapsed < Self.fast, "took \(elapsed) of CPU", sourceLocation: sourceLocation)
        return result!
    }

    private func compile(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CompilationResult {
        compile(Array(text.utf8), sourceLocation: sourceLocation)
    }

    /// The result is exactly one error of kind `identifier`, at `line`:`column`, with a short message.
    private func expectOneError(
        _ result: CompilationResult, line: Int, column: Int, _ identifier: DiagnosticID,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(result.swiftSource == nil, sourceLocation: sourceLocation)
        #expect(result.diagnostics.count == 1, "\(result.diagnostics.map(\.description))", sourceLocation: sourceLocation)
        guard let diagnostic = result.diagnostics.first else { return }
        #expect(diagnostic.severity == .error, sourceLocation: sourceLocation)
        #expect(diagnostic.location == CacheSchemaGenerator.SourceLocation(line: line, column: column), "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.identifier == identifier, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.message.count < 400, sourceLocation: sourceLocation)
    }

    // MARK: - Bytes

    struct BadUTF8: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var line: Int
        var column: Int
        var testDescription: String { name }
    }

    static let badUTF8: [BadUTF8] = {
        let head = Array("version: 1\nnamespace: caf\u{E9}".utf8)  // "é" is 2 bytes: the bad byte is at offset 27.
        return [
            BadUTF8(name: "stray 0xFF", bytes: head + [0xFF] + Array("\nentities: {}\n".utf8), line: 2, column: 16),
            BadUTF8(name: "overlong encoding", bytes: head + [0xC0, 0xAF] + Array("\n".utf8), line: 2, column: 16),
            BadUTF8(name: "UTF-16 surrogate", bytes: head + [0xED, 0xA0, 0x80] + Array("\n".utf8), line: 2, column: 16),
            BadUTF8(name: "sequence cut at the end", bytes: head + [0xE2, 0x82], line: 2, column: 16),
            BadUTF8(name: "Latin-1 file", bytes: Array("version: 1\n# caf".utf8) + [0xE9] + Array("\n".utf8), line: 2, column: 6),
        ]
    }()

    @Test(arguments: badUTF8)
    func malformedUTF8IsReportedWhereItIs(_ input: BadUTF8) {
        let result = compile(input.bytes)
        #expect(result.diagnostics.map(ExpectedDiagnostic.init) == [
            ExpectedDiagnostic(line: input.line, column: input.column, severity: .error, identifier: .invalidUTF8),
        ])
        #expect(result.source == nil)
    }

    @Test func nulByteIsAnErrorWhereItIs() {
        let result = compile("version: 1\nnamespace: sh\u{0}op\nentities: {}\n")
        #expect(result.diagnostics.map(ExpectedDiagnostic.init) == [
            ExpectedDiagnostic(line: 2, column: 14, severity: .error, identifier: .invalidYAML),
        ])
    }

    @Test func tenMegabyteFileIsRefusedBeforeParsing() throws {
        let bytes = Array("version: 1\n# ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
        let limit = ExpectedDiagnostic(line: 1, column: 1, severity: .error, identifier: .fileTooLarge)
        #expect(compile(bytes).diagnostics.map(ExpectedDiagnostic.init) == [limit])

        // Read from disk, the size is checked before the file is read.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).cache.yaml")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fromDisk = CacheSchemaCompiler.compile(fileAt: url.path)
        #expect(fromDisk.diagnostics.map(ExpectedDiagnostic.init) == [limit])
    }

    // MARK: - Nesting

    @Test func tenThousandFlowBrackets() {
        let result = compile("version: 1\nx: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
        expectOneError(result, line: 2, column: 67, .nestingTooDeep)
    }

    @Test func tenThousandFlowMappings() {
        let result = compile("version: 1\nx: " + String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "\n")
        expectOneError(result, line: 2, column: 256, .nestingTooDeep)
    }

    @Test func tenThousandBlockSequenceDashesOnOneLine() {
        let result = compile("version: 1\nx:\n  " + String(repeating: "- ", count: 10_000) + "a\n")
        expectOneError(result, line: 3, column: 3, .nestingTooDeep)
    }

    @Test func tenThousandExplicitKeysOnOneLine() {
        // `? ? ? a` nests one mapping per `?`: the YAML parser's own limit stops it.
        let result = compile("version: 1\nx:\n  " + String(repeating: "? ", count: 10_000) + "a\n")
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.identifier == .nestingTooDeep)
        #expect(result.diagnostics.first?.location.line == 3)
    }

    @Test func tenThousandLevelsOfIndentationExceedTheSizeLimit() {
        // 10,000 levels of indentation take 50 MB: the size limit answers first.
        var text = "version: 1\nx:\n"
        for level in 1...3_000 { text += String(repeating: " ", count: level) + "k:\n" }
        let result = compile(text)
        expectOneError(result, line: 1, column: 1, .fileTooLarge)
    }

    @Test func twoThousandLevelsOfIndentedMappings() {
        var text = "version: 1\nx:\n"
        for level in 1...2_000 { text += String(repeating: " ", count: level) + "k\(level):\n" }
        expectOneError(compile(text), line: 66, column: 65, .nestingTooDeep)
    }

    @Test func twoThousandLevelsOfIndentedSequences() {
        var text = "version: 1\nx:\n"
        for level in 1...2_000 { text += String(repeating: " ", count: level) + "-\n" }
        expectOneError(compile(text), line: 66, column: 65, .nestingTooDeep)
    }

    @Test func thousandLevelNestedMapping() {
        var block = "version: 1\nentities:\n"
        for level in 1...1_000 { block += String(repeating: "  ", count: level) + "e\(level):\n" }
        expectOneError(compile(block), line: 66, column: 129, .nestingTooDeep)

        let flow = "version: 1\nentities: " + String(repeating: "{e: ", count: 1_000) + "x" + String(repeating: "}", count: 1_000) + "\n"
        expectOneError(compile(flow), line: 2, column: 263, .nestingTooDeep)
    }

    /// Brackets hidden from the pre-scan by quoting it cannot follow still stop at the YAML parser's own limit
    /// (1,000 levels), and composing that deep does not exhaust a test thread's stack.
    @Test func nestingHiddenFromThePreScan() {
        let escapedQuote = compile("version: 1\nx: [\"a\\\\\", " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "]\n")
        #expect(escapedQuote.diagnostics.map(\.identifier) == [.nestingTooDeep])
        let multiLineQuote = compile("version: 1\nx: [\"abc\n \" , " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "]\n")
        #expect(multiLineQuote.diagnostics.map(\.identifier) == [.nestingTooDeep])
    }

    // MARK: - Aliases

    /// `a0: &a0 "lol"`, then nine levels of ten aliases each to the level below: 10⁹ nodes once expanded.
    static func laughs(usedAs use: String) -> String {
        var text = "version: 1\na0: &a0 \"lol\"\n"
        for level in 1...9 {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return text + use
    }

    @Test func billionLaughsInAValue() {
        // The 33rd alias is the third of line 6 (`a4: &a4 [*a3, *a3, *a3`).
        expectOneError(compile(Self.laughs(usedAs: "entities: *a9\n")), line: 6, column: 20, .tooManyAliases)
    }

    @Test func billionLaughsAsAMappingKey() {
        // A mapping key is hashed whole by the YAML composer: without the budget this never returns.
        expectOneError(compile(Self.laughs(usedAs: "entities:\n  ? *a9\n  : x\n")), line: 6, column: 20, .tooManyAliases)
    }

    @Test func aliasesAsKeysJustUnderTheBudgetStayFast() {
        // The worst a budget of 32 allows: 16 levels of 2 aliases, 65,536 leaves, used as a mapping key.
        var text = "version: 1\nl0: &l0 x\n"
        for level in 1...15 { text += "l\(level): &l\(level) [*l\(level - 1), *l\(level - 1)]\n" }
        text += "entities:\n  ? *l15\n  : x\n"
        let result = compile(text)
        #expect(result.hasErrors)
        #expect(!result.diagnostics.contains { $0.identifier == .tooManyAliases })
    }

    @Test func fewAliasesAreFine() throws {
        let text = """
            version: 1
            entities:
              user:
                id: &uid { user_id: UUID }
                keys:
                  user: { pattern: "user:{user_id}" }
              profile:
                id: *uid
                keys:
                  profile: { pattern: "profile:{user_id}" }
            """
        let result = compile(text)
        #expect(!result.hasErrors, "\(result.diagnostics)")
    }

    // MARK: - Size of one line, many problems

    @Test func hugeSingleLinePattern() {
        let pattern = String(repeating: "a", count: 3 * 1024 * 1024)
        let result = compile("version: 1\nentities:\n  e:\n    keys:\n      k: { pattern: \"\(pattern)*\" }\n")
        expectOneError(result, line: 5, column: 22, .invalidPattern)
    }

    @Test func hugeSingleLineFieldName() {
        // YAML refuses implicit keys longer than 1024 characters; the error is reported on the line, far right.
        let name = String(repeating: "x", count: 3 * 1024 * 1024)
        let result = compile("{version: 1, entities: {}, \(name): 1}\n")
        expectOneError(result, line: 1, column: 3_145_756, .invalidYAML)
    }

    @Test func longNamesAreClippedInMessages() throws {
        let name = String(repeating: "y", count: 1000)
        let result = compile("version: 1\nentities: {}\n\(name): 1\n")
        let diagnostic = try #require(result.diagnostics.first { $0.severity == .error })
        #expect(diagnostic.message == "unknown field '\(String(repeating: "y", count: 99))…' in the schema; allowed fields: version, namespace, defaults, swift, ttl, entities")
    }

    @Test func twentyThousandUnknownFieldsGiveAHundredDiagnostics() throws {
        let fields = (0..<20_000).map { "f\($0): 1" }.joined(separator: ", ")
        let result = compile("{version: 1, entities: {e: {keys: {k: {pattern: k}}}}, \(fields)}\n")
        #expect(result.diagnostics.count == CacheSchemaCompiler.maximumDiagnostics + 1)
        let last = try #require(result.diagnostics.last)
        #expect(last.identifier == .tooManyDiagnostics)
        #expect(last.severity == .error)
        // Rendering every diagnostic with its source line stays cheap.
        let elapsed = measureThreadCPUTime {
            for diagnostic in result.diagnostics { _ = diagnostic.rendered(source: result.source) }
        }
        #expect(elapsed < Self.fast)
    }
}
