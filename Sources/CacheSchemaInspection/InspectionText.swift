/// `cache-schema inspect`'s report for people.
public enum InspectionText {
    /// The whole report as text.
    public static func render(_ report: InspectionReport) -> String {
        var lines: [String] = []
        let scope = report.namespace.map { "namespace '\($0)'" } ?? "no namespace: every key of the database"
        lines.append("cache-schema inspect \(report.schema) against \(report.target) (\(report.primaries) \(report.primaries == 1 ? "primary" : "primaries"))")
        lines.append(
            "\(scope): \(report.keysScanned) keys walked\(report.complete ? "" : " (stopped early by --sample: counts are of the keys walked)"); "
                + "memory and values sampled on up to \(report.sampleSize) keys per schema key")
        lines.append("")
        var table = [["KEY", "COUNT", "NO TTL", "ABOVE TTL", "TTL LEFT min/median/p90/max (declared)", "MEMORY mean (sampled)", "VALUES (sampled)"]]
        for key in report.keys {
            let ttl = key.ttl
            let declared = duration(key.declaredTTLSeconds) + (key.staleWindowSeconds.map { " + stale " + duration($0) } ?? "")
            let left = [ttl.minimumSeconds, ttl.medianSeconds, ttl.p90Seconds, ttl.maximumSeconds].map { $0.map(duration) ?? "-" }.joined(separator: "/")
            let memory = key.memory.meanBytes.map { bytes(Int($0)) + " (\(key.memory.sampled))" } ?? "-"
            table.append([
                key.name, String(key.count), String(ttl.withoutTTL), String(ttl.aboveDeclared), "\(left) (\(declared))", memory, values(key),
            ])
        }
        lines += aligned(table)
        if report.unmatched.count > 0 {
            lines.append("")
            let types = report.unmatched.types.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("keys matching no pattern: \(report.unmatched.count) (\(types); \(report.unmatched.withoutTTL) without TTL), for example:")
            lines += report.unmatched.examples.prefix(10).map { "  " + $0 }
        }
        lines.append("")
        let runtime = report.runtime
        let indexes = runtime.indexes.map { index in
            "\(index.entity) \(index.count) (\(index.members) members, largest \(index.largest); \(index.membersGone) of \(index.membersChecked) checked gone)"
        }
        lines.append("runtime keys: index sets: \(indexes.isEmpty ? "none" : indexes.joined(separator: ", "))")
        lines.append(
            "  generation markers: \(runtime.instanceGenerations) of instances, \(runtime.keyGenerations) of keys without an owner, "
                + "\(runtime.patternMarkers) pattern markers; fill leases held: \(runtime.leases)")
        lines.append("")
        if report.problems.isEmpty {
            lines.append("healthy: no problems found")
        } else {
            for problem in report.problems {
                lines.append("\(problem.severity.rawValue): [\(problem.id)] \(problem.message)")
            }
            let errors = report.problems.filter { $0.severity == .error }.count
            lines.append("\(errors) error\(errors == 1 ? "" : "s"), \(report.problems.count - errors) warning\(report.problems.count - errors == 1 ? "" : "s")")
        }
        return lines.joined(separator: "\n")
    }

    private static func values(_ key: InspectionReport.KeyReport) -> String {
        guard key.values.sampled > 0 else { return "-" }
        var parts = key.values.envelopes.map { "\($0.codec) \($0.fingerprint.prefix(8)) ×\($0.count)" }
        if key.values.notEnvelopes > 0 { parts.append("not envelopes ×\(key.values.notEnvelopes)") }
        if key.values.unparsable > 0 { parts.append("unparsable ×\(key.values.unparsable)") }
        if key.values.readInPart > 0 { parts.append("header only ×\(key.values.readInPart)") }
        return parts.joined(separator: ", ")
    }

    /// Seconds as the schema writes durations: `250ms`, `45s`, `5m`, `2h30m`, `1d`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var rest = Int(seconds.rounded())
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.prefix(2).joined()
    }

    private static func bytes(_ count: Int) -> String {
        count < 10_240 ? "\(count) B" : count < 10_485_760 ? "\(count / 1024) KiB" : "\(count / 1_048_576) MiB"
    }

    private static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }
    }
}
