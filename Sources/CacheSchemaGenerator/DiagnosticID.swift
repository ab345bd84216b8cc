/// The stable identifier of a kind of diagnostic, printed after its message as `[#identifier]` and given as its own
/// field in `check --format json`.
///
/// Tools and tests match on the identifier (with the location and severity), never on a message's wording, which
/// may improve from release to release. An identifier, once released, keeps its meaning: a new kind of finding gets
/// a new identifier. The raw values are lower-case words joined by `-`, like clang's warning names, so that they
/// read in a terminal and need no quoting in a shell or a JSON query.
public enum DiagnosticID: String, Sendable, Hashable, CaseIterable, Codable {
    // MARK: Input and YAML (load stage)

    /// The file is larger than a schema can be.
    case fileTooLarge = "file-too-large"
    /// The file cannot be read.
    case unreadableFile = "unreadable-file"
    /// The bytes are not UTF-8.
    case invalidUTF8 = "invalid-utf8"
    /// The document nests deeper than a schema can.
    case nestingTooDeep = "nesting-too-deep"
    /// The document uses more YAML aliases than allowed.
    case tooManyAliases = "too-many-aliases"
    /// The text is not YAML.
    case invalidYAML = "invalid-yaml"
    /// The document is empty.
    case emptySchema = "empty-schema"
    /// A mapping sets a field twice.
    case duplicateField = "duplicate-field"
    /// A field the format does not know.
    case unknownField = "unknown-field"
    /// A value has the wrong YAML shape.
    case wrongShape = "wrong-shape"

    // MARK: Values and names (validate stage)

    /// A required field is missing.
    case missingField = "missing-field"
    /// The schema's version is not 1.
    case unsupportedVersion = "unsupported-version"
    /// The namespace cannot prefix keys.
    case invalidNamespace = "invalid-namespace"
    /// `swift.access` is not an access level.
    case invalidAccessLevel = "invalid-access-level"
    /// A duration does not parse, or is not positive, or is too long.
    case invalidDuration = "invalid-duration"
    /// A key names a TTL class the schema does not declare.
    case unknownTTLClass = "unknown-ttl-class"
    /// `entities:` declares none.
    case emptyEntities = "empty-entities"
    /// An entity's `keys:` declares none.
    case emptyKeys = "empty-keys"
    /// A name does not follow the naming rule.
    case invalidName = "invalid-name"
    /// A name is a Swift keyword.
    case swiftKeyword = "swift-keyword"
    /// A key name is one generated code uses itself.
    case reservedName = "reserved-name"
    /// Two names become the same Swift identifier.
    case nameClash = "name-clash"
    /// A parameter's type cannot be a key parameter's.
    case invalidParameterType = "invalid-parameter-type"
    /// A parameter's default is not a value of its type, or its type takes none.
    case invalidDefault = "invalid-default"
    /// An id parameter has a default.
    case defaultOnIDParameter = "default-on-id-parameter"
    /// A key declares a parameter its entity's id already declares.
    case duplicateParameter = "duplicate-parameter"
    /// A key or related pattern does not parse.
    case invalidPattern = "invalid-pattern"
    /// A pattern uses a placeholder twice.
    case repeatedPlaceholder = "repeated-placeholder"
    /// A pattern uses a placeholder nothing declares.
    case undeclaredPlaceholder = "undeclared-placeholder"
    /// A declared parameter is used by no pattern.
    case unusedParameter = "unused-parameter"
    /// A placeholder is followed by a character its values can contain.
    case ambiguousSeparator = "ambiguous-separator"
    /// `value:` is not a Swift type.
    case invalidValueType = "invalid-value-type"
    /// A related pattern uses a placeholder that is not an id parameter.
    case relatedNonIdentityPlaceholder = "related-non-identity-placeholder"
    /// A related pattern has no literal text.
    case relatedMatchesEverything = "related-matches-everything"
    /// The identity span of an entity with several id parameters differs between two of its patterns, or holds
    /// another placeholder, so its instance's keys would not share one hash tag.
    case identitySpanDiffers = "identity-span-differs"
    /// `early` is not a positive number or `off`.
    case invalidEarlyRefresh = "invalid-early-refresh"
    /// `early` is above 10.
    case earlyRefreshTooLarge = "early-refresh-too-large"
    /// `stale` is not a positive duration or `off`.
    case invalidStaleWindow = "invalid-stale-window"
    /// `jitter` is not a percentage from 0% to 50% or `off`.
    case invalidJitter = "invalid-jitter"
    /// A stale window is longer than the TTL it follows.
    case staleWindowLongerThanTTL = "stale-window-longer-than-ttl"
    /// `near` is neither a mapping `{ ttl, capacity }` nor `off`.
    case invalidNearCache = "invalid-near-cache"
    /// The `ttl` of a near cache is not a positive duration.
    case invalidNearCacheTTL = "invalid-near-ttl"
    /// The `capacity` of a near cache is not a whole number from 1 to 10,000,000.
    case invalidNearCacheCapacity = "invalid-near-capacity"
    /// A near cache's TTL is longer than the TTL of the key it caches.
    case nearCacheTTLLongerThanTTL = "near-ttl-longer-than-ttl"

    // MARK: The whole schema (analyse stage)

    /// Two key patterns can produce the same concrete key.
    case ambiguousPatterns = "ambiguous-patterns"
    /// A key holding an entity's data that no invalidation reaches.
    case unreachableKey = "unreachable-key"
    /// A related pattern matches no declared key.
    case relatedMatchesNothing = "related-matches-nothing"
    /// An invalidation glob over a key's own parameters also matches another key.
    case overlappingInvalidationGlob = "overlapping-invalidation-glob"
    /// A key is indexed under an instance of another entity whose hash tag is not the key's.
    case crossSlotOwner = "cross-slot-owner"
    /// A related pattern reaches keys the index does not cover, so its invalidation scans.
    case scanFallback = "scan-fallback"

    // MARK: Reporting

    /// More diagnostics than are shown.
    case tooManyDiagnostics = "too-many-diagnostics"

    /// How bad a finding of this kind is: every kind has one severity, so that `--warnings-as-errors` and tools can
    /// rely on it.
    public var severity: Diagnostic.Severity {
        switch self {
        case .emptyEntities, .staleWindowLongerThanTTL, .nearCacheTTLLongerThanTTL, .unreachableKey, .relatedMatchesNothing, .overlappingInvalidationGlob, .crossSlotOwner, .scanFallback:
            .warning
        default: .error
        }
    }

    /// What the identifier means, in one line: the README's list of checks gives the same line.
    public var summary: String {
        switch self {
        case .fileTooLarge: "the file is larger than 4 MB"
        case .unreadableFile: "the file cannot be read"
        case .invalidUTF8: "the file is not UTF-8 (reported at the first bad byte)"
        case .nestingTooDeep: "the document nests deeper than 64 levels"
        case .tooManyAliases: "the document uses more than 32 YAML aliases (an alias bomb)"
        case .invalidYAML: "the text is not YAML (with the parser's line and column)"
        case .emptySchema: "the document is empty"
        case .duplicateField: "a mapping sets the same field (or entity, key, parameter) twice"
        case .unknownField: "a field the format does not know, with a \"did you mean\""
        case .wrongShape: "a value is a list, mapping or scalar where the format wants another shape"
        case .missingField: "a required field is missing (`version`, `entities`, `keys`, `pattern`, a parameter's `type`, a TTL class's `duration`, a near cache's `ttl` or `capacity`)"
        case .unsupportedVersion: "`version` is not 1"
        case .invalidNamespace: "the namespace is empty, ends with `:` or has a character patterns cannot hold"
        case .invalidAccessLevel: "`swift.access` is not `public`, `package` or `internal`"
        case .invalidDuration: "a duration does not parse, is not positive or is longer than 10 years"
        case .unknownTTLClass: "a key's `ttl` names no declared TTL class"
        case .emptyEntities: "`entities` declares none"
        case .emptyKeys: "an entity's `keys` declares none"
        case .invalidName: "a name does not start with a lower-case letter or has characters other than ASCII letters, digits and single `_`"
        case .swiftKeyword: "a name is a Swift keyword (names are never silently renamed)"
        case .reservedName: "a key is named `schema` or `descriptors`, which generated code uses"
        case .nameClash: "two names become the same Swift identifier"
        case .invalidParameterType: "a parameter type is not `String`, `Int`, `UUID`, `Bool` or a `LosslessStringConvertible` type name"
        case .invalidDefault: "a default is not a value of its parameter's type, or the type takes no default"
        case .defaultOnIDParameter: "an id parameter has a default"
        case .duplicateParameter: "a key's `params` repeats one of its entity's id parameters"
        case .invalidPattern: "a pattern does not parse (characters, braces, length)"
        case .repeatedPlaceholder: "a pattern uses a placeholder twice"
        case .undeclaredPlaceholder: "a placeholder is declared neither in the entity's `id` nor in the key's `params`"
        case .unusedParameter: "a declared parameter is used by no pattern"
        case .ambiguousSeparator: "a variable-length placeholder is followed by a character its values can contain"
        case .invalidValueType: "`value` is not a Swift type"
        case .relatedNonIdentityPlaceholder: "a related pattern uses a placeholder that is not an id parameter"
        case .relatedMatchesEverything: "a related pattern has no literal text"
        case .identitySpanDiffers: "the id parameters of an entity with several are written in two of its patterns with different text from the first to the last (order, literals between, another placeholder between), so its keys would not share one hash tag"
        case .invalidEarlyRefresh: "`early` is not XFetch's β, a positive number with at most 3 decimals, or `off`"
        case .earlyRefreshTooLarge: "`early` is above 10, which refreshes hot keys long before they expire"
        case .invalidStaleWindow: "`stale` is not a positive duration of at most 10 years, or `off`"
        case .invalidJitter: "`jitter` is not a percentage from 0% to 50% with at most 2 decimals (`10%`, `2.5%`), or `off`"
        case .staleWindowLongerThanTTL: "a `stale` window is longer than the TTL it follows, so a value could be served stale for longer than fresh"
        case .invalidNearCache: "`near` is neither a mapping `{ ttl: 1m, capacity: 1000 }` nor `off`"
        case .invalidNearCacheTTL: "the `ttl` of a near cache is not a positive duration of at most 10 years"
        case .invalidNearCacheCapacity: "the `capacity` of a near cache is not a whole number from 1 to 10000000"
        case .nearCacheTTLLongerThanTTL: "a near cache's `ttl` is longer than the key's TTL, which also bounds how long a value stays in process"
        case .ambiguousPatterns: "two key patterns can produce the same concrete key (with an example key)"
        case .unreachableKey: "a key holds an entity's data but no invalidation reaches it"
        case .relatedMatchesNothing: "a related pattern matches no declared key"
        case .overlappingInvalidationGlob: "an invalidation glob over a key's own parameters also matches another key"
        case .crossSlotOwner: "a key is indexed under another entity whose hash tag differs from the key's, so on a Redis Cluster that invalidation reaches it slot by slot"
        case .scanFallback: "a related pattern reaches keys its entity's index does not cover, so its invalidation scans (on a Redis Cluster, every primary)"
        case .tooManyDiagnostics: "more than 100 problems; the rest are not shown"
        }
    }
}
