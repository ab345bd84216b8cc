import Foundation

@testable import CacheSchemaGenerator

/// One diagnostic a fixture expects, written in the fixture as `# expect: LINE:COLUMN: SEVERITY: IDENTIFIER`.
///
/// It names the diagnostic's kind (``DiagnosticID``), never its wording: a message can be improved without touching
/// a fixture, while a finding of another kind, at another place or of another severity fails the test.
struct ExpectedDiagnostic: Hashable, CustomStringConvertible {
    var line: Int
    var column: Int
    var severity: Diagnostic.Severity
    var identifier: DiagnosticID

    init(line: Int, column: Int, severity: Diagnostic.Severity, identifier: DiagnosticID) {
        self.line = line
        self.column = column
        self.severity = severity
        self.identifier = identifier
    }

    init(_ diagnostic: Diagnostic) {
        self.init(line: diagnostic.location.line, column: diagnostic.location.column, severity: diagnostic.severity, identifier: diagnostic.identifier)
    }

    /// The form it is written in a fixture (without `# expect: `).
    var description: String { "\(line):\(column): \(severity.rawValue): \(identifier.rawValue)" }

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
        var description: String { "cannot read expectation '\(line)'; write '# expect: LINE:COLUMN: error|warning: IDENTIFIER'" }
    }

    private static func parse(line: Substring) throws -> ExpectedDiagnostic {
        let parts = line.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 4, let lineNumber = Int(parts[0]), let column = Int(parts[1]),
            let severity = Diagnostic.Severity(rawValue: parts[2]),
            let identifier = DiagnosticID(rawValue: parts[3])
        else { throw BadExpectation(line: String(line)) }
        return ExpectedDiagnostic(line: lineNumber, column: column, severity: severity, identifier: identifier)
    }
}
