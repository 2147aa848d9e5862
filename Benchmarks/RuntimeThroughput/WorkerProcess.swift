import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `worker`-mode child of this same executable, started with `posix_spawn` with a clean
/// signal mask and default handlers (a child inheriting a blocked SIGTERM would never stop).
struct WorkerProcess: Sendable {
    let pid: pid_t
    let consumer: String
    let logPath: String

    static func spawn(_ arguments: [String], consumer: String, logPath: String) throws -> WorkerProcess {
        // Resolved in the parent: in the child, /proc/self would name the child.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let argv = [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        guard result == 0 else { throw UsageError("could not start \(executable): \(String(cString: strerror(result)))") }
        return WorkerProcess(pid: pid, consumer: consumer, logPath: logPath)
    }

    /// Peak resident set size in MB (`VmHWM`): the high-water mark over the process's life.
    func peakRSSMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return kilobytes / 1024
    }

    /// Nil while it runs; its exit code once it has exited (128 + n for signal n).
    func poll() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result < 0 ? -1 : nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// SIGTERM, then the exit code; SIGKILL and nil if it does not exit within `timeout`.
    func stop(timeout: Duration = .seconds(30)) async -> Int32? {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = poll() { return code }
            try? await Task.sleep(for: .milliseconds(10))
        }
        signal(SIGKILL)
        _ = waitpid(pid, nil, 0)
        return nil
    }

    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
