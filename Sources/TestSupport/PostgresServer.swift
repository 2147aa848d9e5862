import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster: `initdb` into a temp dir, a free loopback port, a unix socket
/// in the same dir, trust authentication for the superuser `postgres`.
///
/// As root (as CI runs) the server runs as the `postgres` account, since `initdb` and
/// `postgres` refuse to run as root.
public final class PostgresServer: TestServer {
    public let port: Int
    public let socketDirectory: String
    public let superuser = "postgres"
    private let server: ServerProcess

    /// Starts a private cluster. `durable` keeps fsync and synchronous commit on, for
    /// benchmarks that must measure real commits; tests run faster without them.
    public static func start(durable: Bool = false, settings: [String: String] = [:]) async throws -> PostgresServer {
        let account = geteuid() == 0 ? "postgres" : nil
        let directory = try ScratchDirectory.make("postgres", owner: account)
        let initdb = try await runToCompletion(
            try Binaries.postgres("initdb"),
            ["-D", "\(directory)/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            account: account)
        guard initdb.status == 0 else {
            ScratchDirectory.remove(directory)
            throw TestSupportError("initdb failed (\(initdb.status)):\n\(initdb.output)")
        }
        let executable = try Binaries.postgres("postgres")
        return try await startOnFreePort("postgres") { port in
            PostgresServer(
                executable: executable, port: port, directory: directory, account: account,
                durable: durable, settings: settings)
        }
    }

    private init(executable: String, port: Int, directory: String, account: String?, durable: Bool, settings: [String: String]) {
        self.port = port
        self.socketDirectory = directory
        var merged = [
            "listen_addresses": "127.0.0.1",
            "max_connections": "1000",
            "shared_buffers": "128MB",
            "fsync": durable ? "on" : "off",
            "synchronous_commit": "on",
            "full_page_writes": durable ? "on" : "off",
        ]
        merged.merge(settings) { _, new in new }
        var arguments = ["-D", "\(directory)/data", "-p", "\(port)", "-k", directory]
        for (name, value) in merged.sorted(by: { $0.key < $1.key }) { arguments += ["-c", "\(name)=\(value)"] }
        server = ServerProcess(
            name: "postgres", directory: directory,
            launch: .init(
                executable: executable, arguments: arguments, account: account,
                readyMarker: "database system is ready to accept connections",
                // SIGINT is postgres's "fast" shutdown: roll back sessions, then exit.
                stopSignal: SIGINT))
    }

    /// `postgresql://postgres@127.0.0.1:<port>/<database>`
    public func url(database: String) -> String {
        "postgresql://\(superuser)@127.0.0.1:\(port)/\(database)"
    }

    /// Creates an empty database with a fresh name and returns its URL.
    public func createDatabase(named name: String = TestServers.uniqueName("db")) async throws -> String {
        let result = try await runToCompletion(
            try Binaries.postgres("psql"),
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url(database: "postgres"), "-c", "CREATE DATABASE \"\(name)\""])
        guard result.status == 0 else {
            throw TestSupportError("CREATE DATABASE \(name) failed:\n\(result.output)")
        }
        return url(database: name)
    }

    public var logPath: String { server.logPath }

    public var isRunning: Bool { server.isRunning }

    /// Starts the cluster again after ``stop()`` or ``kill()``, on the same port and data.
    public func start() async throws {
        // After a crash, orphaned backends may hold the old shared memory for a moment.
        var attempt = 0
        while true {
            do { return try await server.start() } catch {
                attempt += 1
                if attempt >= 5 { throw error }
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    public func stop() async { await server.stop() }

    /// SIGQUIT, postgres's immediate shutdown: every session is cut off and the next start
    /// runs crash recovery, as after a crash.
    public func kill() async { await server.crash(signal: SIGQUIT) }

    public func restart() async throws {
        await stop()
        try await start()
    }
}
