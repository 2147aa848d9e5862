import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One of the project's own executables (a worker, the API) started by an end-to-end test,
/// with its output in a log file. Stopped at exit if the test did not stop it.
public final class ChildProcess: Sendable {
    public let name: String
    public let logPath: String
    private let process: SpawnedProcess
    private let exited = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment` (plus PATH and HOME).
    public init(name: String, executable: String, arguments: [String] = [], environment: [String: String], logDirectory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("\(executable) is not built: run `swift build --build-tests` (or `make test`) first")
        }
        var environment = environment
        let inherited = ProcessInfo.processInfo.environment
        environment["PATH"] = environment["PATH"] ?? inherited["PATH"]
        environment["HOME"] = environment["HOME"] ?? inherited["HOME"]
        self.name = name
        self.logPath = "\(logDirectory)/\(name).log"
        self.process = try SpawnedProcess.start(executable, arguments, outputPath: logPath, environment: environment)
        let process = self.process
        Cleanup.register {
            process.send(SIGKILL)
            _ = process.waitBlocking(timeout: 5)
        }
    }

    public var pid: Int32 { process.pid }

    /// Nil while it runs; then its exit code (128 + n when signal n ended it).
    public var exitCode: Int32? {
        _ = isRunning
        return exited.withLock { $0 }
    }

    /// Sends `signal` if it still runs.
    public func send(_ signal: Int32) {
        if isRunning { process.send(signal) }
    }

    public var isRunning: Bool {
        if exited.withLock({ $0 }) != nil { return false }
        if let status = process.poll() {
            exited.withLock { $0 = status }
            return false
        }
        return true
    }

    /// SIGTERM, then waits for the exit; the exit status (0 for a clean shutdown), or nil if it
    /// had to be killed after `timeout`.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(20)) async -> Int32? {
        guard isRunning else { return exited.withLock { $0 } }
        process.send(SIGTERM)
        if let status = await process.wait(timeout: timeout) {
            exited.withLock { $0 = status }
            return status
        }
        await kill()
        return nil
    }

    /// SIGKILL: gone mid-work, as in a crash.
    public func kill() async {
        guard isRunning else { return }
        process.send(SIGKILL)
        if let status = await process.wait(timeout: .seconds(10)) { exited.withLock { $0 = status } }
    }

    /// The end of the process's log, for a failing test's message.
    public func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
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
