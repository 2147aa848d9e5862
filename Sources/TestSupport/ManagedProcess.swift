import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A server process started by the test support, with its output appended to a log file.
///
/// Each one gets a watchdog: a tiny shell loop that kills the server and removes its folder if
/// the test process dies without running its exit handlers (a crash, SIGKILL, a CI time-out),
/// so no server or temp dir outlives the run.
final class ManagedProcess: Sendable {
    let process: SpawnedProcess
    let logPath: String
    private let watchdog: SpawnedProcess?
    private let exited = ExitFlag()

    init(executable: String, arguments: [String], logPath: String, account: String?, cleanupDirectory: String) throws {
        process = try SpawnedProcess.start(executable, arguments, account: account, outputPath: logPath)
        self.logPath = logPath
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            kill -9 -\(process.pid) 2>/dev/null
            sleep 1
            rm -rf '\(cleanupDirectory)'
            """
        watchdog = try? SpawnedProcess.start("/bin/sh", ["-c", script], outputPath: "/dev/null")
    }

    var isRunning: Bool {
        if exited.isSet { return false }
        if process.poll() != nil {
            exited.set()
            stopWatchdog()
            return false
        }
        return true
    }

    /// Sends `signal` to the server's whole process group.
    func signal(_ signal: Int32) {
        if isRunning { process.send(signal, group: true) }
    }

    /// Sends `signal`, waits up to `timeout` for the exit, then SIGKILLs the group.
    func stop(signal: Int32, timeout: Duration = .seconds(15)) async {
        self.signal(signal)
        if await waitForExit(timeout: timeout) { return }
        self.signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// Blocking variant for exit handlers, where no task can run.
    func stopNow(signal: Int32, timeout: TimeInterval = 15) {
        self.signal(signal)
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(5_000) }
        if isRunning {
            self.signal(SIGKILL)
            _ = process.waitBlocking(timeout: 5)
        }
        stopWatchdog()
    }

    func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// The end of the log, for error messages.
    func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private func stopWatchdog() {
        guard let watchdog else { return }
        watchdog.send(SIGKILL, group: true)
        _ = watchdog.waitBlocking(timeout: 1)
    }
}

private final class ExitFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
