import CacheSchemaRESP
import CacheSchemaRedis
import NIOCore

/// How an inspection walks.
public struct InspectionOptions: Sendable {
    /// Stop after this many keys (`--sample`); `nil` walks everything.
    public var keyLimit: Int?
    /// Keys per schema key (and per entity's index sets) whose memory and value are read.
    public var sampleSize = 100
    /// `SCAN`'s `COUNT`, and how many keys are looked at per pipelined batch: small steps keep Redis answering
    /// other clients between them.
    public var scanCount = 500
    /// Values up to this size are read whole (`GET`) and their payload parsed; larger ones only their header
    /// (`GETRANGE`).
    public var wholeValueLimit = 65_536
    /// A pause after each batch, for a server that must give the walk even less of its time (a step of 500 keys
    /// costs the server about 0.7–0.9 ms: `Benchmarks/README.md`, table 5).
    public var pause: Duration = .zero
    /// Index members checked with `EXISTS` per sampled index set.
    public var membersChecked = 5
    /// Called after each batch with the keys walked so far (the CLI prints a progress line on a terminal).
    public var progress: (@Sendable (Int) -> Void)?

    /// The defaults.
    public init() {}
}

/// Walks a live Redis with `SCAN` (every primary of a cluster) and holds what it finds against a schema. Read-only:
/// it sends `SCAN`, `TYPE`, `PTTL`, `MEMORY USAGE`, `STRLEN`, `GET`, `GETRANGE`, `SCARD`, `SRANDMEMBER` and `EXISTS`,
/// never a command that writes, and never `KEYS`.
public struct Inspector: Sendable {
    private let schema: InspectedSchema
    private let classifier: KeyClassifier
    private let client: any RedisKeyedClient
    private let target: String
    private let options: InspectionOptions

    /// Prepares an inspection of what `client` reaches; `target` names it in the report (no credentials).
    public init(schema: InspectedSchema, client: any RedisKeyedClient, target: String, options: InspectionOptions = InspectionOptions()) {
        self.schema = schema
        self.classifier = KeyClassifier(schema)
        self.client = client
        self.target = target
        self.options = options
    }

    /// Walks and reports.
    ///
    /// - Throws: ``RedisError`` when Redis cannot be reached or answers a command with an error this walk cannot
    ///   read past.
    public func run() async throws -> InspectionReport {
        var tally = InspectionTally(schema: schema, target: target, sampleSize: options.sampleSize)
        let scan = try await client.scanPrimaries(match: classifier.scanPattern, count: options.scanCount, timeout: nil)
        var batch: [ByteBuffer] = []
        var walked = 0
        var complete = true
        for try await key in scan {
            if let limit = options.keyLimit, walked >= limit {
                complete = false
                break
            }
            batch.append(key)
            walked += 1
            if batch.count >= options.scanCount {
                try await look(at: batch, into: &tally)
                batch.removeAll(keepingCapacity: true)
                options.progress?(walked)
                if options.pause > .zero { try await Task.sleep(for: options.pause) }
            }
        }
        if !batch.isEmpty { try await look(at: batch, into: &tally) }
        options.progress?(walked)
        return tally.finish(complete: complete, primaries: scan.primaryCount)
    }

    /// One key of a batch, and what is asked about it.
    private struct Look {
        var observation: KeyObservation
        let bytes: ByteBuffer
        let route: String
        let sampled: Bool
    }

    /// Looks at a batch of keys in two pipelined round trips: their types and TTLs (and the sample's sizes), then
    /// the sample's values and index members.
    private func look(at keys: [ByteBuffer], into tally: inout InspectionTally) async throws {
        var looks: [Look] = keys.map { bytes in
            let key = Array(bytes.readableBytesView)
            let kind = classifier.classify(key)
            return Look(
                observation: KeyObservation(key: key, kind: kind, redisType: "none", pttl: -2), bytes: bytes,
                route: String(decoding: key, as: UTF8.self), sampled: tally.takeSample(kind))
        }
        // First trip: TYPE and PTTL of every key; SCARD of every index; MEMORY USAGE and STRLEN of the sample.
        var commands: [(command: RedisCommand, key: String)] = []
        for look in looks {
            commands.append((RedisCommand("TYPE", look.bytes), look.route))
            commands.append((RedisCommand("PTTL", look.bytes), look.route))
            if case .index = look.observation.kind { commands.append((RedisCommand("SCARD", look.bytes), look.route)) }
            if look.sampled {
                commands.append((RedisCommand("MEMORY", "USAGE", look.bytes), look.route))
                if case .schemaKey = look.observation.kind { commands.append((RedisCommand("STRLEN", look.bytes), look.route)) }
                if case .index = look.observation.kind {
                    commands.append((RedisCommand("SRANDMEMBER", look.bytes, options.membersChecked), look.route))
                }
            }
        }
        var replies = try await client.batch(commands, timeout: nil).makeIterator()
        func next() -> RESPValue? { (try? replies.next()?.get()) ?? nil }
        var lengths: [Int: Int] = [:]
        var members: [Int: [ByteBuffer]] = [:]
        for index in looks.indices {
            looks[index].observation.redisType = (try? next()?.text()) ?? "none"
            looks[index].observation.pttl = (try? next()?.integer()) ?? -2
            if case .index = looks[index].observation.kind { looks[index].observation.setSize = (try? next()?.integer()).map { Int($0) } }
            if looks[index].sampled {
                looks[index].observation.memoryBytes = (try? next()?.integer()).map { Int($0) }
                if case .schemaKey = looks[index].observation.kind { lengths[index] = (try? next()?.integer()).map { Int($0) } }
                if case .index = looks[index].observation.kind {
                    if case .array(let found)? = next() { members[index] = found.compactMap { try? $0.bytes() } }
                }
            }
        }
        // Second trip: the sample's string values (whole, or their header when large), and its index members.
        commands.removeAll()
        var reads: [(index: Int, whole: Bool)] = []
        var checks: [(index: Int, count: Int)] = []
        for (index, length) in lengths.sorted(by: { $0.key < $1.key }) where looks[index].observation.redisType == "string" {
            let whole = length <= options.wholeValueLimit
            let look = looks[index]
            commands.append(whole ? (RedisCommand("GET", look.bytes), look.route) : (RedisCommand("GETRANGE", look.bytes, 0, 1023), look.route))
            reads.append((index, whole))
        }
        for (index, found) in members.sorted(by: { $0.key < $1.key }) {
            for member in found { commands.append((RedisCommand("EXISTS", member), String(buffer: member))) }
            checks.append((index, found.count))
        }
        guard !commands.isEmpty else {
            for look in looks { tally.add(look.observation) }
            return
        }
        replies = try await client.batch(commands, timeout: nil).makeIterator()
        for read in reads {
            if let bytes = try? next()?.bytes() {
                looks[read.index].observation.value = ValueFinding.probe(Array(bytes.readableBytesView), isWhole: read.whole)
            }
        }
        for check in checks {
            for _ in 0..<check.count {
                looks[check.index].observation.membersChecked += 1
                if (try? next()?.integer()) == 0 { looks[check.index].observation.membersGone += 1 }
            }
        }
        for look in looks { tally.add(look.observation) }
    }
}
