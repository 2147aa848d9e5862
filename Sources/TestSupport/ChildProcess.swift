import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process the test support started (a server, or one of the project's executables), in a
/// process group of its own, with its output appended to a log file.
///
/// A server also gets a watchdog: a tiny shell loop that kills the server's group and removes
/// its folder if the test process dies without running its exit handlers (a crash, SIGKILL, a
/// CI time-out), so no server or temp dir outlives the run.
public final class ChildProcess: Sendable {
    public let name: String
    public let logPath: String
    private let process: SpawnedProcess
    private let watchdog: SpawnedProcess?
    private let exited = Mutex<Int32?>(nil)

    /// Starts one of the project's executables with `arguments` and exactly `environment`
    /// (plus PATH and HOME); it is killed at exit if the test did not stop it.
    public convenience init(name: String, executable: String, arguments: [String] = [], environment: [String: String], logDirectory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("\(executable) is not built: run `swift build --build-tests` (or `make test`) first")
        }
        var environment = environment
        let inherited = ProcessInfo.processInfo.environment
        environment["PATH"] = environment["PATH"] ?? inherited["PATH"]
        environment["HOME"] = environment["HOME"] ?? inherited["HOME"]
        try self.init(name: name, executable: executable, arguments: arguments, logPath: "\(logDirectory)/\(name).log", environment: environment)
        Cleanup.register { [self] in stopNow(signal: SIGKILL, timeout: 5) }
    }

    /// Starts `executable`, as `account` when given (and running as root); with
    /// `watchdogRemoving`, a watchdog that also removes that folder if the test process dies.
    init(name: String, executable: String, arguments: [String], logPath: String, environment: [String: String]? = nil,
         account: String? = nil, watchdogRemoving directory: String? = nil) throws {
        self.name = name
        self.logPath = logPath
        let process = try SpawnedProcess.start(executable, arguments, account: account, outputPath: logPath, environment: environment)
        self.process = process
        watchdog = directory.flatMap { directory in
            let script = """
                while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
                kill -9 -\(process.pid) 2>/dev/null
                sleep 1
                rm -rf '\(directory)'
                """
            return try? SpawnedProcess.start("/bin/sh", ["-c", script], outputPath: "/dev/null")
        }
    }

    public var pid: Int32 { process.pid }

    /// Nil while it runs; then its exit code (128 + n when signal n ended it).
    public var exitCode: Int32? {
        _ = isRunning
        return exited.withLock { $0 }
    }

    public var isRunning: Bool {
        if exited.withLock({ $0 }) != nil { return false }
        guard let status = process.poll() else { return true }
        exited.withLock { $0 = status }
        stopWatchdog()
        return false
    }

    /// Sends `signal` to the process's group (a postgres cluster's backends too) if it still runs.
    public func send(_ signal: Int32) {
        if isRunning { process.send(signal, group: true) }
    }

    /// Sends `signal`, waits up to `timeout` for the exit, then SIGKILLs the group. The exit
    /// status, or nil if it had to be killed.
    @discardableResult
    public func stop(signal: Int32, timeout: Duration = .seconds(15)) async -> Int32? {
        guard isRunning else { return exited.withLock { $0 } }
        send(signal)
        if await waitForExit(timeout: timeout) { return exited.withLock { $0 } }
        send(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
        return nil
    }

    /// SIGTERM, then waits: 0 for a clean shutdown, or nil if it had to be killed after `timeout`.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(20)) async -> Int32? {
        await stop(signal: SIGTERM, timeout: timeout)
    }

    /// SIGKILL: gone mid-work, as in a crash.
    public func kill() async {
        await stop(signal: SIGKILL, timeout: .seconds(10))
    }

    /// Blocking variant of ``stop(signal:timeout:)`` for exit handlers, where no task can run.
    func stopNow(signal: Int32, timeout: TimeInterval = 15) {
        send(signal)
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(5_000) }
        if isRunning {
            send(SIGKILL)
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

    /// The end of the process's log, for a failing test's message.
    public func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private func stopWatchdog() {
        guard let watchdog else { return }
        watchdog.send(SIGKILL, group: true)
        _ = watchdog.waitBlocking(timeout: 1)
    }
}

/// Where the package's executables are: beside the test bundle in the build folder.
public enum BuiltProducts {
    public static func path(_ product: String) -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // `swift test` runs `<build>/debug/<package>PackageTests.xctest`: its folder holds the products.
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent(product).path
    }

    /// A scratch folder for logs, removed at exit.
    public static func logDirectory(_ label: String) throws -> String {
        let directory = try ScratchDirectory.make(label)
        Cleanup.register { ScratchDirectory.remove(directory) }
        return directory
    }

    /// A port nothing listens on right now.
    public static func freePort() throws -> Int { try Network.freePort() }
}
