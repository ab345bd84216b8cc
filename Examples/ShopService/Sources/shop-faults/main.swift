import Foundation
import ShopFaults

// shop-faults: the fault matrix (the example's README, "Fault matrix") and the soak run, against the built ShopService.
//
//   swift build -c release --package-path Examples/ShopService
//   Examples/ShopService/.build/release/shop-faults                       # every row, about 4 minutes
//   Examples/ShopService/.build/release/shop-faults --only sigstop,blackhole --short
//   Examples/ShopService/.build/release/shop-faults --soak 30             # 30 minutes of mixed load, a row a minute
//
// Rows: restart, sigstop, debug-sleep, maxmemory (one redis-server), blackhole, reset, slow (behind the fault proxy),
// failover, slot-migration (a local Redis Cluster). Each row: a window before the fault, the fault, a window after;
// then the repair queue drains and every user written during the fault is read back.

func usage(_ problem: String?) -> Never {
    if let problem { FileHandle.standardError.write(Data("shop-faults: \(problem)\n".utf8)) }
    print("""
        usage: shop-faults [--only ROW,ROW…] [--short] [--connections N] [--before S] [--fault S] [--after S] [--hot-users N]
                           [--write-interval-ms N] [--pause-ms N] [--service PATH]
               shop-faults --soak MINUTES [--connections N] [--write-interval-ms N] [--pause-ms N] [--service PATH]
        rows: \(FaultRow.allCases.map(\.rawValue).joined(separator: ", "))
        """)
    exit(problem == nil ? 0 : 2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var only: [FaultRow]?
var short = false
var soakMinutes: Int?
var overrides: [(inout FaultMatrixOptions) -> Void] = []
var service = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ShopService").path
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    func value() -> String {
        guard !arguments.isEmpty else { usage("missing value for \(argument)") }
        return arguments.removeFirst()
    }
    func seconds() -> Duration {
        let text = value()
        guard let number = Double(text), number > 0, number <= 600 else { usage("\(argument) takes seconds from 0 to 600, not '\(text)'") }
        return .milliseconds(Int(number * 1000))
    }
    func count(_ range: ClosedRange<Int>) -> Int {
        let text = value()
        guard let number = Int(text), range.contains(number) else { usage("\(argument) takes \(range.lowerBound) to \(range.upperBound), not '\(text)'") }
        return number
    }
    switch argument {
    case "--only":
        only = value().split(separator: ",").map { name in
            guard let row = FaultRow(rawValue: String(name)) else { usage("no row '\(name)'") }
            return row
        }
    case "--short": short = true
    case "--soak":
        // Minutes, with or without an `m`.
        let text = value()
        guard let minutes = Int(text.hasSuffix("m") ? String(text.dropLast()) : text), (1...1440).contains(minutes) else {
            usage("--soak takes minutes from 1 to 1440, not '\(text)'")
        }
        soakMinutes = minutes
    case "--connections": let number = count(1...256); overrides.append { $0.connections = number }
    case "--hot-users": let number = count(1...1000); overrides.append { $0.hotUsers = number }
    case "--write-interval-ms": let number = count(1...10_000); overrides.append { $0.writeInterval = .milliseconds(number) }
    case "--pause-ms": let number = count(0...10_000); overrides.append { $0.readPause = .milliseconds(number) }
    case "--before": let duration = seconds(); overrides.append { $0.before = duration }
    case "--fault": let duration = seconds(); overrides.append { $0.fault = duration }
    case "--after": let duration = seconds(); overrides.append { $0.after = duration }
    case "--service": service = value()
    case "-h", "--help": usage(nil)
    default: usage("unknown argument '\(argument)'")
    }
}
guard FileManager.default.isExecutableFile(atPath: service) else {
    usage("no ShopService binary at \(service): build the package first (swift build -c release --package-path Examples/ShopService) or pass --service PATH")
}

let rows = only ?? FaultRow.allCases
var options = short ? FaultMatrixOptions.short(serviceBinary: service, rows: rows) : FaultMatrixOptions(serviceBinary: service)
options.rows = rows
for override in overrides { override(&options) }

/// Progress lines as they happen, unbuffered, also into a file or a pipe (print buffers those until exit).
let say: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }

do {
    if let soakMinutes {
        let minutes = try await SoakRun.run(minutes: soakMinutes, options: options, progress: say)
        print("")
        print(SoakRun.table(minutes))
    } else {
        let started = Date()
        let results = try await FaultMatrix.run(options, progress: say)
        print("")
        print("shop-faults: \(options.connections) connections and a writer; windows \(options.before) before, \(options.fault) fault, \(options.after) after; \(String(format: "%.0f s", Date().timeIntervalSince(started))) in all; load average \(loadAverage())")
        print(FaultMatrix.table(results))
        let failed = results.contains { $0.serverErrors > 0 || !$0.staleReads.isEmpty || $0.entitiesUnsettled > 0 || $0.hitsBackAfter == nil }
        if failed { exit(1) }
    }
} catch {
    FileHandle.standardError.write(Data("shop-faults: \(error)\n".utf8))
    exit(1)
}

/// The first field of /proc/loadavg, to say how busy the machine was.
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}
