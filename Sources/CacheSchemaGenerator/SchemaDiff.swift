/// What `cache-schema diff` shows: every difference between two versions of a schema that a fleet notices, with
/// what it does while old and new processes share one Redis during a rolling deploy, each classed ``SchemaChange/
/// Severity/breaking``, ``SchemaChange/Severity/warning`` or ``SchemaChange/Severity/safe``. Encodable as JSON for
/// tools, or rendered as text with ``textReport()``.
///
/// Changes are compared by effect, not by text: a key whose pattern text changed but whose concrete keys did not
/// (a singleton's `config:flags` written `flags`, a renamed parameter) is no change, and a key whose pattern text is
/// the same but whose hash tag moved is one. What has no effect on a running fleet (comments, formatting, `swift.access`,
/// a TTL class renamed with its keys' durations unchanged) is not reported at all: two such schemas have no changes.
/// The README's "cache-schema diff" section has the full table of kinds.
public struct SchemaDiff: Sendable, Hashable, Codable {
    /// One version of the schema.
    public struct Version: Sendable, Hashable, Codable {
        /// The file as given (`HEAD:schemas/shop.cache.yaml` for a file read from git).
        public var file: String
        /// The namespace, if any.
        public var namespace: String?
        /// The schema fingerprint (`explain` shows it too).
        public var fingerprint: String
    }

    /// How many changes of each severity.
    public struct Counts: Sendable, Hashable, Codable {
        public var breaking: Int
        public var warning: Int
        public var safe: Int
    }

    /// The version deployed now.
    public var old: Version
    /// The version being deployed.
    public var new: Version
    /// How many changes of each severity.
    public var counts: Counts
    /// Every change: breaking ones first, then warnings, then safe ones; within a severity, the namespace, entities,
    /// keys in the new file's order, removed keys in the old file's order, then related patterns.
    public var changes: [SchemaChange]

    /// Counts, for each change, the live keys of the old schema it concerns: `counts` maps an old schema key's name to
    /// how many keys a live Redis holds (from `cache-schema inspect`'s walk).
    public mutating func attachLiveKeys(_ counts: [String: Int]) {
        for index in changes.indices {
            changes[index].liveKeys = changes[index].touches.reduce(0) { $0 + (counts[$1] ?? 0) }
        }
    }

    /// Compares two checked schemas with their analyses (``CompilationResult/schema`` and
    /// ``CompilationResult/analysis``).
    public init(old: Schema, oldAnalysis: SchemaAnalysis, new: Schema, newAnalysis: SchemaAnalysis) {
        let found = SchemaComparison.changes(old: DiffSide(schema: old, analysis: oldAnalysis), new: DiffSide(schema: new, analysis: newAnalysis))
        // A stable sort: the comparison's order stays within each severity.
        changes = SchemaChange.Severity.allCases.flatMap { severity in found.filter { $0.severity == severity } }
        counts = Counts(
            breaking: changes.count { $0.severity == .breaking }, warning: changes.count { $0.severity == .warning },
            safe: changes.count { $0.severity == .safe })
        self.old = Version(file: old.file, namespace: old.namespace, fingerprint: SchemaFingerprint.compute(old))
        self.new = Version(file: new.file, namespace: new.namespace, fingerprint: SchemaFingerprint.compute(new))
    }

    /// The most severe change, or `nil` when there is none.
    public var highestSeverity: SchemaChange.Severity? { changes.first?.severity }

    /// Whether CI should fail: on a breaking change, or on a warning too when `warningsAsErrors` is set.
    public func fails(warningsAsErrors: Bool = false) -> Bool {
        counts.breaking > 0 || (warningsAsErrors && counts.warning > 0)
    }
}
