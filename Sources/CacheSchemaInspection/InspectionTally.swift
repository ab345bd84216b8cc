import CacheSchemaGenerator

/// Adds up observations into an ``InspectionReport``, and decides which keys are sampled. No I/O: the walk feeds it.
public struct InspectionTally: Sendable {
    private let schema: InspectedSchema
    private let sampleSize: Int
    private var report: InspectionReport
    /// Per schema key name: its place in `report.keys`, its remaining TTLs (ms), its measured sizes, its fingerprints.
    private var places: [String: Int] = [:]
    private var ttls: [String: [Int64]] = [:]
    private var sizes: [String: [Int]] = [:]
    private var envelopes: [String: [EnvelopeKey: Int]] = [:]
    private var sampled: [String: Int] = [:]
    private var indexPlaces: [String: Int] = [:]

    private struct EnvelopeKey: Hashable {
        let codec: String
        let fingerprint: UInt64
        let version: UInt8
    }

    /// The most remaining TTLs kept per key name for the percentiles: a bound on memory for huge keyspaces.
    static let ttlsKept = 200_000

    /// Starts a tally; at most `sampleSize` keys per schema key name are sampled for memory and values.
    public init(schema: InspectedSchema, target: String, sampleSize: Int) {
        self.schema = schema
        self.sampleSize = sampleSize
        report = InspectionReport(schema: schema.schema.file, namespace: schema.namespace, target: target)
        report.sampleSize = sampleSize
        for key in schema.schema.keys {
            places[key.name] = report.keys.count
            report.keys.append(
                InspectionReport.KeyReport(
                    name: key.name, pattern: key.pattern.parsed.text, declaredTTLSeconds: Double(key.ttl.milliseconds) / 1000,
                    staleWindowSeconds: key.freshness.staleWindow.map { Double($0) / 1000 }))
        }
    }

    /// Whether the next key of `kind` should be sampled (its memory and value read); counts it as sampled when so.
    public mutating func takeSample(_ kind: InspectedKeyKind) -> Bool {
        let name: String
        switch kind {
        case .schemaKey(let key): name = key
        case .index(let entity): name = "~idx:" + entity
        default: return false
        }
        guard sampled[name, default: 0] < sampleSize else { return false }
        sampled[name, default: 0] += 1
        return true
    }

    /// Counts one key.
    public mutating func add(_ observation: KeyObservation) {
        report.keysScanned += 1
        guard observation.redisType != "none" else { return }  // expired between the scan and the look
        switch observation.kind {
        case .schemaKey(let name):
            addSchemaKey(observation, name: name)
        case .unmatched:
            report.unmatched.count += 1
            report.unmatched.types[observation.redisType, default: 0] += 1
            if observation.pttl == -1 { report.unmatched.withoutTTL += 1 }
            if report.unmatched.examples.count < 20 { report.unmatched.examples.append(Self.printable(observation.key)) }
        case .index(let entity):
            addRuntime(observation, type: "set")
            let place = indexPlaces[entity] ?? {
                indexPlaces[entity] = report.runtime.indexes.count
                report.runtime.indexes.append(InspectionReport.IndexSummary(entity: entity))
                return report.runtime.indexes.count - 1
            }()
            report.runtime.indexes[place].count += 1
            if let size = observation.setSize {
                report.runtime.indexes[place].members += size
                report.runtime.indexes[place].largest = max(report.runtime.indexes[place].largest, size)
            }
            report.runtime.indexes[place].membersChecked += observation.membersChecked
            report.runtime.indexes[place].membersGone += observation.membersGone
        case .generation:
            addRuntime(observation, type: "string")
            report.runtime.instanceGenerations += 1
        case .keyGeneration:
            addRuntime(observation, type: "string")
            report.runtime.keyGenerations += 1
        case .patternMarker:
            addRuntime(observation, type: "string")
            report.runtime.patternMarkers += 1
        case .lease:
            addRuntime(observation, type: "string")
            report.runtime.leases += 1
        }
    }

    private mutating func addSchemaKey(_ observation: KeyObservation, name: String) {
        guard let place = places[name] else { return }
        report.keys[place].count += 1
        guard observation.redisType == "string" else {
            report.keys[place].wrongTypes[observation.redisType, default: 0] += 1
            return
        }
        let declared = Int64(report.keys[place].declaredTTLSeconds * 1000) + Int64((report.keys[place].staleWindowSeconds ?? 0) * 1000)
        if observation.pttl == -1 {
            report.keys[place].ttl.withoutTTL += 1
        } else if observation.pttl >= 0 {
            if observation.pttl > declared { report.keys[place].ttl.aboveDeclared += 1 }
            if ttls[name, default: []].count < Self.ttlsKept { ttls[name, default: []].append(observation.pttl) }
        }
        if let bytes = observation.memoryBytes { sizes[name, default: []].append(bytes) }
        if let value = observation.value {
            report.keys[place].values.sampled += 1
            switch value {
            case .notEnvelope:
                report.keys[place].values.notEnvelopes += 1
            case .envelope(let header, let payload):
                envelopes[name, default: [:]][EnvelopeKey(codec: header.codec, fingerprint: header.fingerprint, version: header.version), default: 0] += 1
                if payload == .doesNotParse { report.keys[place].values.unparsable += 1 }
                if payload == .notRead { report.keys[place].values.readInPart += 1 }
            }
        }
    }

    private mutating func addRuntime(_ observation: KeyObservation, type: String) {
        if observation.redisType != type { report.runtime.wrongTypes += 1 }
        if observation.pttl == -1 { report.runtime.withoutTTL += 1 }
    }

    /// The report, with its problems listed.
    public func finish(complete: Bool, primaries: Int) -> InspectionReport {
        var report = self.report
        report.complete = complete
        report.primaries = primaries
        for index in report.keys.indices {
            let name = report.keys[index].name
            let sorted = (ttls[name] ?? []).sorted()
            if !sorted.isEmpty {
                func seconds(_ fraction: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1000 }
                report.keys[index].ttl.minimumSeconds = Double(sorted[0]) / 1000
                report.keys[index].ttl.medianSeconds = seconds(0.5)
                report.keys[index].ttl.p90Seconds = seconds(0.9)
                report.keys[index].ttl.maximumSeconds = Double(sorted[sorted.count - 1]) / 1000
            }
            if let measured = sizes[name], !measured.isEmpty {
                let mean = Double(measured.reduce(0, +)) / Double(measured.count)
                report.keys[index].memory = InspectionReport.MemorySummary(
                    sampled: measured.count, meanBytes: mean, maximumBytes: measured.max(),
                    estimatedTotalBytes: mean * Double(report.keys[index].count))
            }
            report.keys[index].values.envelopes = (envelopes[name] ?? [:])
                .map { InspectionReport.EnvelopeGroup(codec: $0.key.codec, fingerprint: Self.hex($0.key.fingerprint), version: Int($0.key.version), count: $0.value) }
                .sorted { ($0.count, $0.fingerprint) > ($1.count, $1.fingerprint) }
        }
        report.problems = Self.problems(of: report)
        return report
    }

    /// The problems a report shows: errors for what breaks the schema's promises, warnings for what deserves a look.
    static func problems(of report: InspectionReport) -> [InspectionReport.Problem] {
        var problems: [InspectionReport.Problem] = []
        func add(_ severity: InspectionReport.Problem.Severity, _ id: String, _ key: String?, _ message: String) {
            problems.append(InspectionReport.Problem(severity: severity, id: id, key: key, message: message))
        }
        for key in report.keys {
            if key.ttl.withoutTTL > 0 {
                add(.error, "key-without-ttl", key.name, "\(key.ttl.withoutTTL) of \(key.count) '\(key.name)' keys have no TTL: they live until evicted, and an eviction policy may drop the runtime's markers first; find the code that writes them without the schema (a plain SET), or PERSIST")
            }
            let wrong = key.wrongTypes.values.reduce(0, +)
            if wrong > 0 {
                add(.error, "wrong-redis-type", key.name, "\(wrong) '\(key.name)' keys hold a \(key.wrongTypes.keys.sorted().joined(separator: ", ")) instead of a string: another program writes under the schema's keys; the runtime reads them as misses and overwrites them")
            }
            if key.values.notEnvelopes > 0 {
                add(.error, "not-an-envelope", key.name, "\(key.values.notEnvelopes) of \(key.values.sampled) sampled '\(key.name)' values are not CacheSchema envelopes: written by another program or by hand; the runtime reads them as misses")
            }
            if key.values.unparsable > 0 {
                add(.error, "unparsable-payload", key.name, "\(key.values.unparsable) of \(key.values.sampled) sampled '\(key.name)' values do not parse with their codec: corrupted or truncated writes; the runtime reads them as misses")
            }
            if key.ttl.aboveDeclared > 0 {
                let bound = key.declaredTTLSeconds + (key.staleWindowSeconds ?? 0)
                add(.warning, "ttl-above-declared", key.name, "\(key.ttl.aboveDeclared) '\(key.name)' keys have more time left than the schema's \(InspectionText.duration(bound)): written with a TTL override (set(_:_:ttl:)) or under an older schema")
            }
            let fingerprints = Set(key.values.envelopes.map(\.fingerprint))
            if fingerprints.count > 1 {
                add(.warning, "several-value-types", key.name, "'\(key.name)' values carry \(fingerprints.count) type fingerprints: two builds' value types side by side (a deploy in progress, or an old build's values not yet expired); each build reads the other's as misses")
            }
        }
        if report.unmatched.count > 0 {
            let examples = report.unmatched.examples.prefix(3).joined(separator: ", ")
            add(.error, "unmatched-key", nil, "\(report.unmatched.count) \(report.unmatched.count == 1 ? "key" : "keys") under the namespace \(report.unmatched.count == 1 ? "matches" : "match") no pattern of the schema (\(examples)…): keys formatted by hand, or by an older schema; declare them or stop writing them")
        }
        if report.runtime.wrongTypes > 0 || report.runtime.withoutTTL > 0 {
            add(.error, "runtime-key-damaged", nil, "\(report.runtime.wrongTypes) of the runtime's own keys (~) hold the wrong Redis type and \(report.runtime.withoutTTL) have no TTL: something other than the runtime writes them")
        }
        for index in report.runtime.indexes where index.membersChecked > 0 && index.membersGone * 2 > index.membersChecked {
            add(.warning, "index-mostly-gone", nil, "\(index.membersGone) of \(index.membersChecked) sampled members of '\(index.entity)' index sets no longer exist: they are dropped at the instance's next invalidation; harmless, but the sets take memory")
        }
        return problems
    }

    /// Bytes as text: printable ASCII as is, everything else (and `\`) as `\xNN`.
    static func printable(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(200) {
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return bytes.count > 200 ? text + "…" : text
    }

    static func hex(_ value: UInt64) -> String { String(value, radix: 16).leftPadded(to: 16) }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
