/// How a fault run goes: which rows, how much load, and how long each window lasts.
public struct FaultMatrixOptions: Sendable {
    /// The built `ShopService`.
    public var serviceBinary: String
    /// The rows to run, in this order within each setup (server, proxy, cluster).
    public var rows: [FaultRow] = FaultRow.allCases
    /// Keep-alive connections, each a thread running the read mix as fast as the service answers.
    public var connections = 8
    /// The hot set of users the reads and the writer use.
    public var hotUsers = 200
    /// The pause between two writes of the writer thread.
    public var writeInterval: Duration = .milliseconds(10)
    /// The pause between two reads of a connection; zero (the default) reads as fast as the service answers.
    public var readPause: Duration = .zero
    /// Load before the first row of a setup, not measured (fills the cache).
    public var warmup: Duration = .seconds(3)
    /// The windows of each row: before the fault, the fault (timed faults), and after it ends.
    public var before: Duration = .seconds(5)
    public var fault: Duration = .seconds(5)
    public var after: Duration = .seconds(5)
    /// How long past the after window to wait for the repair queue to drain and for the entities written during the
    /// fault to read back from the cache.
    public var settleLimit: Duration = .seconds(20)
    /// Fewer keys moved by the slot-migration row.
    public var short = false

    /// The full run's settings (about 20 s a row).
    public init(serviceBinary: String) {
        self.serviceBinary = serviceBinary
    }

    /// The short run of CI: 2 s before, a 5 s fault, 3 s after, and 4 connections pausing 5 ms between reads (about
    /// 700 reads a second): enough to see every fault, and light enough not to starve the tests that run beside it.
    public static func short(serviceBinary: String, rows: [FaultRow]) -> FaultMatrixOptions {
        var options = FaultMatrixOptions(serviceBinary: serviceBinary)
        options.rows = rows
        options.connections = 4
        options.readPause = .milliseconds(5)
        options.warmup = .seconds(2)
        options.before = .seconds(2)
        // 5 s: the first write of a fault waits out up to three deadlines (the read before the write-through, the
        // store, a stats delete) before the breaker opens, so a 2 s fault saw no write complete.
        options.fault = .seconds(5)
        options.after = .seconds(3)
        options.short = true
        return options
    }
}
