import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What starting, stopping and crashing a server has in common across Redis and Postgres:
/// one process at a time, a log that says when it is ready, and a folder removed at exit.
final class ServerProcess: @unchecked Sendable {
    struct Launch: Sendable {
        var executable: String
        var arguments: [String]
        var account: String?
        /// A line the server logs once it accepts connections.
        var readyMarker: String
        /// The signal for a clean, prompt shutdown.
        var stopSignal: Int32
    }

    let name: String
    let directory: String
    private let launch: Launch
    private let lock = NSLock()
    private var current: ChildProcess?

    init(name: String, directory: String, launch: Launch) {
        self.name = name
        self.directory = directory
        self.launch = launch
        Cleanup.register { [self] in
            lock.withLock { current }?.stopNow(signal: launch.stopSignal)
            ScratchDirectory.remove(directory)
        }
    }

    var logPath: String { "\(directory)/\(name).log" }

    var isRunning: Bool { lock.withLock { current?.isRunning ?? false } }

    /// Starts the server and waits until its log says it is ready.
    func start(timeout: Duration = .seconds(90)) async throws {
        if isRunning { return }
        var status = stat()
        let offset = stat(logPath, &status) == 0 ? Int(status.st_size) : 0
        let process = try ChildProcess(
            name: name, executable: launch.executable, arguments: launch.arguments, logPath: logPath,
            account: launch.account, watchdogRemoving: directory)
        lock.withLock { current = process }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if logSince(offset).contains(launch.readyMarker) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await process.kill()
        throw TestSupportError("\(name) did not start (\(launch.executable)); its log ends with:\n\(process.logTail())")
    }

    /// A clean shutdown.
    func stop() async {
        guard let process = lock.withLock({ current }) else { return }
        await process.stop(signal: launch.stopSignal)
    }

    /// Sends `signal` and returns once the process is gone: a crash, as far as clients can tell.
    func crash(signal: Int32) async {
        guard let process = lock.withLock({ current }) else { return }
        await process.stop(signal: signal, timeout: .seconds(10))
    }

    private func logSince(_ offset: Int) -> String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// A server the test support can start and stop.
protocol TestServer: Sendable {
    func start() async throws
    func stop() async
}

extension TestServer {
    /// Makes and starts a server on a free port, with a fresh port for each of three tries:
    /// another process can take a free port between picking it and binding it.
    static func startOnFreePort(_ label: String, _ make: (_ port: Int) throws -> Self) async throws -> Self {
        var lastError: Error?
        for _ in 0..<3 {
            let server = try make(try Network.freePort())
            do {
                try await server.start()
                return server
            } catch {
                lastError = error
                await server.stop()
            }
        }
        throw lastError ?? TestSupportError("\(label) did not start")
    }
}
