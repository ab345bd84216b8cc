import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Kills a child process (the benchmark's redis-server) when the benchmark gets SIGINT or SIGTERM, then exits with
/// 128 + the signal. The handler does only async-signal-safe calls (`kill`, `_exit`), so the server's temporary
/// folder stays behind after an interrupt; a normal end or an error stops the server with `RedisServer.stop()`.
public enum Interrupts {
    private static let child = Atomic<Int32>(0)

    /// Installs the handler for SIGINT and SIGTERM; `pid` is killed with SIGKILL when one arrives.
    public static func killOnInterrupt(_ pid: Int32) {
        child.store(pid, ordering: .sequentiallyConsistent)
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                let pid = Interrupts.child.load(ordering: .sequentiallyConsistent)
                if pid > 0 { kill(pid, SIGKILL) }
                _exit(128 + number)
            }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }
}
