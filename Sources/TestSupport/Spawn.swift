import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, in a process group of its own, with a clean
/// signal mask and default handlers.
///
/// Foundation's `Process` was not enough here: a child it starts from a thread that blocks
/// signals inherits that mask (a server then ignores SIGTERM), and its exit notice lags.
struct SpawnedProcess: Sendable {
    let pid: pid_t

    /// Starts `executable` as `account` (via setpriv) when running as root and an account is given.
    /// stdin is /dev/null; stdout and stderr go to `outputPath`, appended.
    /// `environment`, when given, replaces the inherited environment.
    /// With `errorPath`, stderr goes there instead of beside stdout.
    static func start(_ executable: String, _ arguments: [String], account: String? = nil, outputPath: String,
                      errorPath: String? = nil, environment: [String: String]? = nil) throws -> SpawnedProcess {
        var argv = [executable] + arguments
        if let account, geteuid() == 0 {
            argv = ["/usr/bin/setpriv", "--reuid=\(account)", "--regid=\(account)", "--init-groups", "--"] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Nothing else of the test process's: its hundreds of open sockets and files would count
        // against the child's own limit (postgres refuses to start when too many are open) and
        // would keep pipes and ports of other tests alive in it.
        closeFrom(3, &actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var cEnvironment = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in cEnvironment ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let result: Int32
        if cEnvironment != nil {
            result = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, &cEnvironment!)
        } else {
            result = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, environ)
        }
        guard result == 0 else {
            throw TestSupportError("could not start \(argv[0]): \(String(cString: strerror(result)))")
        }
        return SpawnedProcess(pid: pid)
    }

    /// Sends `signal` to the process. With `group`, to every process in its group too
    /// (a postgres cluster's backends, say).
    func send(_ signal: Int32, group: Bool = false) {
        _ = kill(group ? -pid : pid, signal)
    }

    /// Reaps the process if it has exited; then its exit code (128 + n when signal n ended it).
    func poll() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
        if result < 0 { return -1 }  // already reaped or not ours: gone either way
        return nil
    }

    /// Waits up to `timeout` for the exit; its status, or nil on time-out.
    func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = poll() { return status }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Blocking wait, for exit handlers where no task can run.
    func waitBlocking(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = poll() { return status }
            usleep(5_000)
        }
        return nil
    }
}

/// Runs a short helper program to completion; its exit status and combined output.
func runToCompletion(_ executable: String, _ arguments: [String], account: String? = nil, timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
    // A file, not a pipe: a chatty program cannot fill a buffer nobody reads yet.
    let outputPath = NSTemporaryDirectory() + "/ticketing-run-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let process = try SpawnedProcess.start(executable, arguments, account: account, outputPath: outputPath)
    guard let status = await process.wait(timeout: timeout) else {
        process.send(SIGKILL)
        _ = await process.wait(timeout: .seconds(5))
        throw TestSupportError("\(executable) did not finish within \(timeout)")
    }
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return (status, output)
}

/// One run of a program to its exit: its status and what it printed on stdout and on stderr,
/// for tests of an executable as its users run it. Output goes to files, not pipes: a server
/// another test spawns meanwhile inherits open descriptors, and a pipe's end held by it would
/// keep the read from ever seeing the end.
public struct ProgramRun: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// Runs `executable` with exactly `environment`; throws if it has not exited within `timeout`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(60)) async throws -> ProgramRun {
        let base = NSTemporaryDirectory() + "/ticketing-run-\(UUID().uuidString)"
        defer { for suffix in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + suffix) } }
        let process = try SpawnedProcess.start(executable, arguments, outputPath: base + ".out", errorPath: base + ".err", environment: environment)
        guard let status = await process.wait(timeout: timeout) else {
            process.send(SIGKILL)
            _ = await process.wait(timeout: .seconds(5))
            throw TestSupportError("\(executable) did not finish within \(timeout)")
        }
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return ProgramRun(status: status, stdout: read(base + ".out"), stderr: read(base + ".err"))
    }
}

/// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34 and later), which Swift's Glibc module
/// does not declare; looked up once. Where it is missing, descriptors are left open as before.
private let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()

private func closeFrom(_ lowest: Int32, _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>) {
    _ = addCloseFrom?(actions, lowest)
}
