import BenchmarkSupport
import Foundation
import PostgresClient
import RedisClient

#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds spent so far, read from /proc: by the workers, by our Postgres (the postmaster
/// and its children: other servers on the host are not ours to count), by our redis-server,
/// and by the whole host. Two samples around a phase say where its CPU went, and whether the
/// machine (2 cores, shared) was the limit.
struct CPUSample {
    var workers: Double = 0
    var postgres: Double = 0
    var redis: Double = 0
    var hostBusy: Double = 0
    var hostTotal: Double = 0
    let taken = ContinuousClock.now

    static func take(workers: [pid_t], servers: ServerProcesses) -> CPUSample {
        var sample = CPUSample()
        let pids = Set(workers)
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in processes {
            // The postmaster with the backends it has reaped: one that exits between two samples
            // keeps its CPU in the sum.
            guard let pid = pid_t(entry), let (parent, seconds) = ProcessStats.cpu(pid, reapedChildren: pid == servers.postmaster)
            else { continue }
            if pids.contains(pid) { sample.workers += seconds }
            else if pid == servers.ownBackend { continue }
            else if pid == servers.postmaster || parent == servers.postmaster { sample.postgres += seconds }
            else if pid == servers.redis { sample.redis += seconds }
        }
        // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal …
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let line = stat.split(separator: "\n").first {
            let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
            if ticks.count == 8 {
                sample.hostTotal = ticks.reduce(0, +) / clockTicks
                sample.hostBusy = sample.hostTotal - (ticks[3] + ticks[4]) / clockTicks
            }
        }
        return sample
    }

    private static let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The server processes to account for; nil when they are not on this host (or not readable).
struct ServerProcesses {
    var postmaster: pid_t?
    var redis: pid_t?
    /// The backend serving this process's own polling, which is not the workers' cost.
    var ownBackend: pid_t?

    /// Asks each server for its pid: Redis says it in `INFO server`; Postgres writes its
    /// postmaster's pid on the first line of `postmaster.pid` in its data directory.
    static func find(redis: RedisClient, database: PostgresClient) async -> ServerProcesses {
        var servers = ServerProcesses()
        servers.redis = (try? await redis.info("server"))?["process_id"].flatMap { pid_t($0) }
        if let rows = try? await database.query("SELECT current_setting('data_directory')"),
           let directory = try? rows[0].decode(String.self, at: 0),
           let file = try? String(contentsOfFile: directory + "/postmaster.pid", encoding: .utf8) {
            servers.postmaster = file.split(separator: "\n").first.flatMap { pid_t($0) }
        }
        // The client has one connection (see `runBenchmark`), so this is the backend of every poll.
        servers.ownBackend = (try? await database.query("SELECT pg_backend_pid()"))
            .flatMap { try? $0[0].decode(Int32.self, at: 0) }
        return servers
    }
}

/// CPU microseconds per message between two samples, and how busy the host was.
struct CPUUse {
    let workerMicros: Double
    let postgresMicros: Double
    let redisMicros: Double
    /// Busy cores on the whole host (other work included), averaged over the interval.
    let hostCores: Double
    /// Cores the workers, Postgres and Redis used, averaged over the interval: the rest of
    /// `hostCores` was other work on the host.
    let benchCores: Double

    init(from start: CPUSample, to end: CPUSample, messages: Int) {
        let perMessage = 1e6 / Double(max(messages, 1))
        workerMicros = (end.workers - start.workers) * perMessage
        postgresMicros = (end.postgres - start.postgres) * perMessage
        redisMicros = (end.redis - start.redis) * perMessage
        let elapsed = (end.taken - start.taken).seconds
        hostCores = elapsed > 0 ? (end.hostBusy - start.hostBusy) / elapsed : 0
        let used = (end.workers - start.workers) + (end.postgres - start.postgres) + (end.redis - start.redis)
        benchCores = elapsed > 0 ? used / elapsed : 0
    }
}
