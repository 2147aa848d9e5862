import BenchmarkSupport
import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A `worker`-mode child of this same executable.
struct WorkerProcess: Sendable {
    let process: ChildProcess
    let consumer: String

    static func spawn(_ arguments: [String], consumer: String, logDirectory: String) throws -> WorkerProcess {
        // Resolved in the parent: in the child, /proc/self would name the child.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = try ChildProcess(
            name: consumer, executable: executable, arguments: arguments,
            environment: ProcessInfo.processInfo.environment, logDirectory: logDirectory)
        return WorkerProcess(process: process, consumer: consumer)
    }

    var pid: pid_t { process.pid }

    /// Peak resident set size in MB (`VmHWM`): the high-water mark over the process's life.
    func peakRSSMegabytes() -> Double? { ProcessStats.megabytes(pid, "VmHWM") }

    /// Nil while it runs; its exit code once it has exited (128 + n for signal n).
    func poll() -> Int32? { process.exitCode }

    /// SIGTERM, then the exit code; nil if it had to be killed after `timeout`.
    func stop(timeout: Duration = .seconds(30)) async -> Int32? {
        await process.terminate(timeout: timeout)
    }

    func kill() async { await process.kill() }

    func logTail(lines: Int = 15) -> String { process.logTail(lines: lines) }
}
