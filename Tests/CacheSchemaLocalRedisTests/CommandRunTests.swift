import CacheSchemaLocalRedis
import Foundation
import Testing

/// Child processes run to completion: status, outputs, the timeout, and a clean signal mask.
@Suite("Command runs")
struct CommandRunTests {
    @Test("a run reports the exit status and, when asked, standard output and standard error apart")
    func statusAndOutputs() async throws {
        let apart = try await CommandRun.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], separateErrorOutput: true)
        #expect(apart.status == 3)
        #expect(apart.output == "out\n")
        #expect(apart.errorOutput == "err\n")
        let together = try await CommandRun.run("/bin/sh", ["-c", "echo out; echo err >&2"])
        #expect(together.status == 0)
        #expect(together.output.contains("out") && together.output.contains("err"))
        let signaled = try await CommandRun.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(signaled.status == 128 + 9, "a signal's end reads as a shell says it")
    }

    @Test("a program that runs past its timeout is killed and the error says so")
    func timeoutKills() async throws {
        do {
            _ = try await CommandRun.run("/bin/sleep", ["600"], timeout: .seconds(1))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timedOut, "\(error)")
        }
    }

    @Test("a missing program is a launch failure that names it")
    func missingProgram() async throws {
        do {
            _ = try await CommandRun.run("/nonexistent/program")
            Issue.record("expected a launch failure")
        } catch {
            #expect(error.kind == .launchFailed && error.description.contains("/nonexistent/program"), "\(error)")
        }
    }

    #if os(Linux)
        @Test("a child starts with no blocked signal, whatever the test process's threads block")
        func emptySignalMask() async throws {
            let run = try await CommandRun.run("/bin/grep", ["SigBlk", "/proc/self/status"])
            #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "SigBlk:\t0000000000000000", "\(run.output)")
        }
    #endif
}
