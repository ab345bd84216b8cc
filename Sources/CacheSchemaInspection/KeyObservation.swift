/// What the walk learned of one key: enough for ``InspectionTally`` to count it. No I/O here.
public struct KeyObservation: Sendable, Hashable {
    /// The key's bytes, as SCAN returned them.
    public var key: [UInt8]
    /// What the key is under the schema.
    public var kind: InspectedKeyKind
    /// Its Redis type (`TYPE`): `string`, `set`, …, or `none` when it expired between the scan and the look.
    public var redisType: String
    /// Its remaining TTL in milliseconds (`PTTL`): -1 without one, -2 when gone.
    public var pttl: Int64
    /// `MEMORY USAGE`, when the key was in the sample.
    public var memoryBytes: Int?
    /// Its value, when it was in the sample and a string.
    public var value: ValueFinding?
    /// An index set's size (`SCARD`), its members checked with `EXISTS`, and how many of those were gone.
    public var setSize: Int?
    public var membersChecked = 0
    public var membersGone = 0

    /// Creates an observation.
    public init(key: [UInt8], kind: InspectedKeyKind, redisType: String, pttl: Int64) {
        self.key = key
        self.kind = kind
        self.redisType = redisType
        self.pttl = pttl
    }
}
