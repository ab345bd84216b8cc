/// Collects the diagnostics of one schema file as the stages find them, and gives them back in file order.
///
/// Every stage reports through it, so that each rule of reporting is written once: the severity comes from the
/// identifier, messages are clipped, and the list shown is sorted and limited to
/// ``CacheSchemaCompiler/maximumDiagnostics``.
struct DiagnosticCollector: Sendable {
    /// The schema file's path as the user gave it.
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    /// Whether any error has been reported.
    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Whether the list shown is already full: work done only for a message (a suggestion) can be skipped past it.
    var isFull: Bool { diagnostics.count >= CacheSchemaCompiler.maximumDiagnostics }

    /// Reports a finding of kind `identifier` at `location`.
    mutating func report(_ identifier: DiagnosticID, _ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(identifier, Self.clipped(message), file: file, at: location))
    }

    /// The diagnostics by location (errors before warnings at one place), the first
    /// ``CacheSchemaCompiler/maximumDiagnostics`` of them, and one error in place of the rest.
    func finished() -> [Diagnostic] {
        let sorted = diagnostics.sorted(by: Self.order)
        let maximum = CacheSchemaCompiler.maximumDiagnostics
        guard sorted.count > maximum else { return sorted }
        let first = sorted[maximum]
        let rest = sorted.count - maximum
        return Array(sorted.prefix(maximum)) + [
            Diagnostic(.tooManyDiagnostics, "\(rest) more problem\(rest == 1 ? "" : "s") not shown; fix the ones above and check again", file: first.file, at: first.location),
        ]
    }

    static func order(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        (a.location, a.severity == .error ? 0 : 1, a.message) < (b.location, b.severity == .error ? 0 : 1, b.message)
    }

    /// The message with any run of more than 200 non-blank characters (a name or value quoted from the file) cut to
    /// 100 and `…`, so that a hostile file cannot make a diagnostic megabytes long.
    static func clipped(_ message: String) -> String {
        guard message.utf8.count > 200 else { return message }
        var result = ""
        var word = ""
        func flush() {
            if word.count > 200 {
                // Keep a closing quote or punctuation, so that the sentence still reads.
                let closing = word.last.map { "'\")],;:".contains($0) ? String($0) : "" } ?? ""
                result += String(word.prefix(100)) + "…" + closing
            } else {
                result += word
            }
            word = ""
        }
        for character in message {
            if character == " " {
                flush()
                result.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return result
    }
}
