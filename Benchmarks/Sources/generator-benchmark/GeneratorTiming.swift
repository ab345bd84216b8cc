import CacheSchemaGenerator
import Foundation

/// Times the generator in process: `check` (load, validate, analyse) and `generate` (the same plus Swift rendering),
/// which is what `cache-schema check` and the build plugin's tool do after reading the file.
enum GeneratorTiming {
    struct Row {
        var label: String
        var samples: [Duration]
        /// The budget the median is compared with.
        var target: Duration
    }

    /// Times the synthetic schema of `entities` entities (`iterations` runs per phase), then, unless
    /// `largeEntities` is 0, a schema of `largeEntities` entities (`largeIterations` runs per phase), then the
    /// reference schema. `target` is the budget for 1,000 keys; the large schema's budget scales with its keys.
    static func run(
        entities: Int, iterations: Int, largeEntities: Int, largeIterations: Int, target: Duration,
        referenceSchema: URL?
    ) throws {
        var rows = try synthetic(entities: entities, iterations: iterations, target: target)
        if largeEntities > 0 {
            rows += try synthetic(entities: largeEntities, iterations: largeIterations, target: target)
        }
        if let referenceSchema {
            let reference = try Array(Data(contentsOf: referenceSchema))
            let referenceKeys = CacheSchemaCompiler.compile(bytes: reference, file: "shop.cache.yaml", generate: false)
                .schema?.keys.count ?? 0
            rows.append(Row(label: "check shop.cache.yaml (\(referenceKeys) keys)", samples: measure(iterations) {
                CacheSchemaCompiler.compile(bytes: reference, file: "shop.cache.yaml", generate: false)
            }, target: target))
            rows.append(Row(label: "generate shop.cache.yaml", samples: measure(iterations) {
                CacheSchemaCompiler.compile(bytes: reference, file: "shop.cache.yaml", generate: true)
            }, target: target))
        }

        print("")
        var table = [["phase", "min ms", "median ms", "p90 ms", "target ms", "median / target"]]
        for row in rows {
            let sorted = row.samples.sorted()
            let median = milliseconds(percentile(sorted, 0.5))
            table.append([
                row.label,
                format(milliseconds(sorted[0]), digits: 2),
                format(median, digits: 2),
                format(milliseconds(percentile(sorted, 0.9)), digits: 2),
                format(milliseconds(row.target), digits: 0),
                format(median / milliseconds(row.target), digits: 3) + "x",
            ])
        }
        printTable(table)
        print("""
            Target: \(format(milliseconds(target), digits: 0)) ms for 1,000 keys, check and generate alike (generate \
            includes the check); a larger schema's target grows with its keys, the shop schema's is the same.

            """)
    }

    /// Times `check` and `generate` of a synthetic schema, after printing what it is.
    private static func synthetic(entities: Int, iterations: Int, target: Duration) throws -> [Row] {
        let source = SchemaSynthesizer.schema(entities: entities)
        let bytes = Array(source.utf8)

        // One checked run first: the synthetic schema must be valid, or the timings mean nothing.
        let probe = CacheSchemaCompiler.compile(bytes: bytes, file: "bench.cache.yaml", generate: true)
        guard !probe.hasErrors, let swift = probe.swiftSource else {
            let errors = probe.diagnostics.filter { $0.severity == .error }.prefix(5).map(\.description)
            throw BenchmarkError("the synthetic schema does not compile:\n" + errors.joined(separator: "\n"))
        }
        let keys = probe.schema?.keys.count ?? 0
        let warnings = probe.diagnostics.count
        print("""
            Generator: synthetic schema of \(entities) entities, \(keys) keys, \(formatBytes(bytes.count)) of YAML \
            -> \(formatBytes(swift.utf8.count)) of Swift (\(swift.split(separator: "\n").count) lines), \
            \(warnings) diagnostics; \(iterations) iterations each, after one warm-up.
            """)

        let budget = target * max(1, Double(keys) / 1000)
        return [
            Row(label: "check \(keys) keys", samples: measure(iterations) {
                CacheSchemaCompiler.compile(bytes: bytes, file: "bench.cache.yaml", generate: false)
            }, target: budget),
            Row(label: "generate \(keys) keys", samples: measure(iterations) {
                CacheSchemaCompiler.compile(bytes: bytes, file: "bench.cache.yaml", generate: true)
            }, target: budget),
        ]
    }

    private static func measure(_ iterations: Int, _ body: () -> CompilationResult) -> [Duration] {
        let clock = ContinuousClock()
        var sink = 0
        sink &+= body().diagnostics.count  // warm-up
        var samples: [Duration] = []
        for _ in 0..<iterations {
            let start = clock.now
            let result = body()
            samples.append(clock.now - start)
            sink &+= result.diagnostics.count + (result.swiftSource?.utf8.count ?? 0)
        }
        if sink == .min { print("") }  // keeps the results alive
        return samples
    }
}

/// The nearest-rank percentile of sorted samples.
func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

func format(_ value: Double, digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

func formatBytes(_ count: Int) -> String {
    count >= 1024 * 1024 ? format(Double(count) / 1_048_576, digits: 2) + " MiB" : format(Double(count) / 1024, digits: 1) + " KiB"
}

/// Prints rows as an aligned Markdown table.
func printTable(_ rows: [[String]]) {
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        "| " + cells.enumerated().map { index, cell in
            index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[index] - cell.count) + cell
        }.joined(separator: " | ") + " |"
    }
    print(line(rows[0]))
    print("|" + widths.enumerated().map { index, width in
        index == 0 ? " " + String(repeating: "-", count: width) + " " : " " + String(repeating: "-", count: width - 1) + ": "
    }.joined(separator: "|") + "|")
    for row in rows.dropFirst() { print(line(row)) }
    print("")
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
