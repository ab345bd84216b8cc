import Foundation

/// Waits for a child started with Foundation's `Process` and returns its exit status (128 + the signal when a signal
/// ended it), or `nil` when `timeout` seconds pass first (the child is then still running).
///
/// Polls `waitpid` on the calling thread (run it off the cooperative pool): Foundation's `waitUntilExit` can hang in
/// a test process whose signal mask blocks SIGCHLD. When Foundation has reaped the child itself, its
/// `terminationStatus` is used.
public func waitForExit(_ process: Process, timeout: Double? = nil) -> Int32? {
    let pid = process.processIdentifier
    let start = Date()
    var status: Int32 = 0
    while true {
        let reaped = waitpid(pid, &status, timeout == nil ? 0 : WNOHANG)
        if reaped == pid { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }
        if reaped == -1 && errno == EINTR { continue }
        if reaped == -1 {
            // ECHILD: Foundation reaped it first.
            while process.isRunning { Thread.sleep(forTimeInterval: 0.005) }
            return process.terminationStatus
        }
        if let timeout, Date().timeIntervalSince(start) > timeout { return nil }
        Thread.sleep(forTimeInterval: 0.01)
    }
}
