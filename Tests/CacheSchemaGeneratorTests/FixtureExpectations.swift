import Foundation

@testable import CacheSchemaGenerator

/// One diagnostic a fixture expects, written in the fixture as `# expect: LINE:COLUMN: SEVERITY: MESSAGE`.
struct ExpectedDiagnostic: Hashable, CustomStringConvertible {
    var line: Int
    var column: Int
    var severity: Diagnostic.Severity
    var message: String

    init(line: Int, column: Int, severity: Diagnostic.Severity, message: String) {
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    init(_ diagnostic: Diagnostic) {
        self.init(line: diagnostic.location.line, column: diagnostic.location.column, severity: diagnostic.severity, message: diagnostic.message)
    }

    /// The form it is written in a fixture (without `# expect: `).
    var description: String { "\(line):\(column): \(severity.rawValue): \(message)" }

    static let prefix = "# expect: "

    /// Reads the expectations of a fixture: every line of its leading comment block that starts with `# expect: `.
    static func parse(fixture text: String) throws -> [ExpectedDiagnostic] {
        var result: [ExpectedDiagnostic] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("#") else { break }
            guard line.hasPrefix(prefix) else { continue }
            result.append(try parse(line: line.dropFirst(prefix.count)))
        }
        return result
    }

    struct BadExpectation: Error, CustomStringConvertible {
        var line: String
        var description: String { "cannot read expectation '\(line)'; write '# expect: LINE:COLUMN: error|warning: MESSAGE'" }
    }

    private static func parse(line: Substring) throws -> ExpectedDiagnostic {
        let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let lineNumber = Int(parts[0]), let column = Int(parts[1]),
            let severity = Diagnostic.Severity(rawValue: parts[2].trimmingCharacters(in: .whitespaces)),
            parts[3].hasPrefix(" ")
        else { throw BadExpectation(line: String(line)) }
        return ExpectedDiagnostic(line: lineNumber, column: column, severity: severity, message: String(parts[3].dropFirst()))
    }
}
