import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway `redis-server` on a free loopback port and a unix socket, with no persistence.
public final class RedisServer: TestServer {
    public let port: Int
    public let unixSocketPath: String
    public let password: String?
    private let server: ServerProcess

    /// Starts a private server. Tests that stop, crash or restart a server use one of these;
    /// the rest share ``TestServers/redis()``.
    public static func start(password: String? = nil, extraArguments: [String] = []) async throws -> RedisServer {
        let executable = try Binaries.redisServer()
        return try await startOnFreePort("redis-server") { port in
            RedisServer(
                executable: executable, port: port, directory: try ScratchDirectory.make("redis"),
                password: password, extraArguments: extraArguments)
        }
    }

    private init(executable: String, port: Int, directory: String, password: String?, extraArguments: [String]) {
        self.port = port
        self.unixSocketPath = "\(directory)/redis.sock"
        self.password = password
        var arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1",
            "--unixsocket", unixSocketPath, "--unixsocketperm", "700",
            "--dir", directory, "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--protected-mode", "no", "--logfile", "",
            // Tests use DEBUG SLEEP to provoke time-outs.
            "--enable-debug-command", "yes",
        ]
        if let password { arguments += ["--requirepass", password] }
        server = ServerProcess(
            name: "redis", directory: directory,
            launch: .init(
                executable: executable, arguments: arguments + extraArguments, account: nil,
                readyMarker: "Ready to accept connections", stopSignal: SIGTERM))
    }

    /// `redis://[:password@]127.0.0.1:<port>/<db>`
    public func url(db: Int = 0) -> String {
        let credentials = password.map { ":\($0)@" } ?? ""
        return "redis://\(credentials)127.0.0.1:\(port)/\(db)"
    }

    public var url: String { url() }

    /// The server's own log, for a failing test's message.
    public var logPath: String { server.logPath }

    public var isRunning: Bool { server.isRunning }

    /// Starts the server again after ``stop()`` or ``kill()``, on the same port.
    public func start() async throws { try await server.start() }

    public func stop() async { await server.stop() }

    /// SIGKILL: the server vanishes mid-conversation, as in a crash.
    public func kill() async { await server.crash(signal: SIGKILL) }

    public func restart() async throws {
        await stop()
        try await start()
    }
}
