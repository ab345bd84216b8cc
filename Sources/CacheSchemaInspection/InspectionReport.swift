/// What `cache-schema inspect` found in a live Redis, held against a schema. `Codable`: `--format json` prints it.
public struct InspectionReport: Sendable, Hashable, Codable {
    /// The schema file inspected against.
    public var schema: String
    /// Its namespace; `nil` when it has none, and the walk covered every key of the database.
    public var namespace: String?
    /// The Redis inspected: its URL without credentials, or its cluster seeds.
    public var target: String
    /// Primaries walked (1 on a single node).
    public var primaries = 1
    /// Keys the walk saw under the namespace (all keys without one).
    public var keysScanned = 0
    /// Whether the walk covered the whole keyspace; `false` when `--sample` stopped it early.
    public var complete = true
    /// How many keys of each schema key were sampled at most for memory and values.
    public var sampleSize = 0
    /// Per schema key, in schema order.
    public var keys: [KeyReport] = []
    /// Keys under the namespace that no declared pattern produces.
    public var unmatched = UnmatchedKeys()
    /// The runtime's own keys (`~` segment).
    public var runtime = RuntimeKeys()
    /// What needs attention; errors make the exit status 1.
    public var problems: [Problem] = []

    /// Whether nothing of severity error was found.
    public var isHealthy: Bool { !problems.contains { $0.severity == .error } }

    /// One schema key's concrete keys.
    public struct KeyReport: Sendable, Hashable, Codable {
        /// The schema key's name (`user`).
        public var name: String
        /// Its pattern as written.
        public var pattern: String
        /// The TTL it declares, and any stale window a stored value lives beyond it, in seconds.
        public var declaredTTLSeconds: Double
        public var staleWindowSeconds: Double?
        /// Concrete keys found.
        public var count = 0
        /// Keys holding another Redis type than a string, by type.
        public var wrongTypes: [String: Int] = [:]
        /// Remaining TTLs.
        public var ttl = TTLSummary()
        /// `MEMORY USAGE` of a sample.
        public var memory = MemorySummary()
        /// The envelopes of a sample of values.
        public var values = ValueSummary()
    }

    /// Remaining TTLs of one schema key's concrete keys.
    public struct TTLSummary: Sendable, Hashable, Codable {
        /// Keys without a TTL (they live until evicted: a problem).
        public var withoutTTL = 0
        /// Keys whose remaining TTL is above the declared TTL plus any stale window.
        public var aboveDeclared = 0
        /// The remaining TTLs in seconds of the keys that have one: smallest, median, 90th percentile, largest.
        public var minimumSeconds: Double?
        public var medianSeconds: Double?
        public var p90Seconds: Double?
        public var maximumSeconds: Double?
    }

    /// `MEMORY USAGE` over a sample.
    public struct MemorySummary: Sendable, Hashable, Codable {
        /// Keys measured.
        public var sampled = 0
        /// Their mean and largest size in bytes.
        public var meanBytes: Double?
        public var maximumBytes: Int?
        /// The mean times the count: an estimate of all of them.
        public var estimatedTotalBytes: Double?
    }

    /// What a sample of values holds.
    public struct ValueSummary: Sendable, Hashable, Codable {
        /// Values read.
        public var sampled = 0
        /// Envelopes by codec and fingerprint: more than one fingerprint under one key name is two builds' value
        /// types side by side (a deploy in progress, or an old one's values not yet expired).
        public var envelopes: [EnvelopeGroup] = []
        /// Values that are not CacheSchema envelopes (written by another program, or by hand).
        public var notEnvelopes = 0
        /// Envelopes whose payload the codec cannot parse.
        public var unparsable = 0
        /// Values too large to read whole: only their header was read (`GETRANGE`), the payload not checked.
        public var readInPart = 0
    }

    /// Values of one codec and type fingerprint.
    public struct EnvelopeGroup: Sendable, Hashable, Codable {
        public var codec: String
        /// The fingerprint in hex.
        public var fingerprint: String
        public var version: Int
        public var count: Int
    }

    /// Keys that no pattern of the schema produces.
    public struct UnmatchedKeys: Sendable, Hashable, Codable {
        public var count = 0
        /// Up to 20 of them, printable (bytes outside printable ASCII as `\xNN`).
        public var examples: [String] = []
        /// By Redis type.
        public var types: [String: Int] = [:]
        /// How many have no TTL.
        public var withoutTTL = 0
    }

    /// The runtime's own keys.
    public struct RuntimeKeys: Sendable, Hashable, Codable {
        /// Index sets (`~idx:`) per entity: how many, their sizes, and of a sample of members how many no longer exist.
        public var indexes: [IndexSummary] = []
        /// Generation markers of entity instances (`~gen:`), of keys without an owner (`~kgen:`), pattern markers
        /// (`~pgen:`), fill leases (`~lease:`).
        public var instanceGenerations = 0
        public var keyGenerations = 0
        public var patternMarkers = 0
        public var leases = 0
        /// Runtime keys of the wrong Redis type or without a TTL (every one has a TTL).
        public var wrongTypes = 0
        public var withoutTTL = 0
    }

    /// One entity's index sets.
    public struct IndexSummary: Sendable, Hashable, Codable {
        public var entity: String
        public var count = 0
        public var members = 0
        public var largest = 0
        /// Members checked with `EXISTS`, and how many of them were gone (an index lists keys that expired or were
        /// deleted until its instance's next invalidation; many gone means invalidations are rare).
        public var membersChecked = 0
        public var membersGone = 0
    }

    /// A finding.
    public struct Problem: Sendable, Hashable, Codable {
        public enum Severity: String, Sendable, Hashable, Codable { case error, warning }
        public var severity: Severity
        /// A stable identifier (`key-without-ttl`, `unmatched-key`, …).
        public var id: String
        /// The schema key concerned, if any.
        public var key: String?
        public var message: String
    }
}
