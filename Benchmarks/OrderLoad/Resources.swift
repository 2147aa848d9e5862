import BenchmarkSupport
import Foundation
import PostgresClient
import RedisClient

#if canImport(Glibc)
import Glibc
#endif

/// The processes whose cost a phase is split into: this process (the client), the fleet's
/// executables, redis-server, and Postgres (its postmaster and every child, found by parent
/// pid in /proc, since backends come and go).
struct ProcessSet {
    /// Fleet processes by name, in the order they are reported; Postgres is summed separately.
    let fleet: [(name: String, pid: pid_t)]
    let postmaster: pid_t

    static let client = "client"
    static let postgres = "postgres"
    var names: [String] { [Self.client] + fleet.map(\.name) + [Self.postgres] }

    /// The postmaster's pid is the first line of `postmaster.pid` in the data directory.
    static func find(fleet: [(name: String, pid: pid_t)], database: PostgresClient) async throws -> ProcessSet {
        let directory = try await database.query("SELECT current_setting('data_directory')")[0].decode(String.self, at: 0)
        let file = try String(contentsOfFile: directory + "/postmaster.pid", encoding: .utf8)
        guard let postmaster = file.split(separator: "\n").first.flatMap({ pid_t($0) }) else {
            throw BenchmarkError("no postmaster pid in \(directory)/postmaster.pid")
        }
        return ProcessSet(fleet: fleet, postmaster: postmaster)
    }

    private var postgresPIDs: [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { $0 == postmaster || ProcessStats.cpu($0)?.parent == postmaster }
    }

    /// CPU seconds (user + system) so far, by name.
    func cpu() -> [String: Double] {
        var seconds = [Self.client: ProcessStats.cpu(getpid())?.seconds ?? .nan]
        for (name, pid) in fleet { seconds[name] = ProcessStats.cpu(pid)?.seconds ?? .nan }
        // The postmaster with the backends it has reaped, so one that exits between two readings
        // keeps its CPU in the sum; then the live backends.
        seconds[Self.postgres] = postgresPIDs.compactMap { ProcessStats.cpu($0, reapedChildren: $0 == postmaster)?.seconds }.reduce(0, +)
        return seconds
    }

    /// Starts a new peak-RSS window: writing 5 to clear_refs resets VmHWM to the current RSS.
    func resetPeaks() {
        for pid in [getpid()] + fleet.map(\.pid) + postgresPIDs {
            try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        }
    }

    /// Peak resident MB since ``resetPeaks()``, by name. Postgres's is the sum over its
    /// processes, so the shared buffers a backend touched count once per backend.
    func peaks() -> [String: Double] {
        var megabytes = [Self.client: ProcessStats.megabytes(getpid(), "VmHWM") ?? .nan]
        for (name, pid) in fleet { megabytes[name] = ProcessStats.megabytes(pid, "VmHWM") ?? .nan }
        megabytes[Self.postgres] = postgresPIDs.compactMap { ProcessStats.megabytes($0, "VmHWM") }.reduce(0, +)
        return megabytes
    }
}

/// The servers' own counters: Postgres's transactions committed (every database), WAL fsyncs,
/// checkpoints and autovacuum or autoanalyze runs, and Redis's AOF rewrites. The last three are
/// background work that can stall a phase: a latency spike in a phase that had one is theirs.
struct ServerCounters {
    var commits = 0
    var walSyncs = 0
    var checkpoints = 0
    var autovacuums = 0
    var aofRewrites = 0

    /// Backends report their counters to the statistics system at most once a second while
    /// busy and within 10 s once idle (PG15), so a reading waits that long after the work.
    static let settle: Duration = .seconds(11)

    static func read(_ database: PostgresClient, redis: RedisClient?) async throws -> ServerCounters {
        let rows = try await database.query("""
            SELECT (SELECT sum(xact_commit) FROM pg_stat_database)::int8, (SELECT wal_sync FROM pg_stat_wal)::int8,
                (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::int8,
                (SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_all_tables)::int8
            """)
        let (commits, syncs, checkpoints, autovacuums) = try rows[0].decode((Int, Int, Int, Int).self)
        var rewrites = 0
        if let redis { rewrites = Int(try await redis.info("persistence")["aof_rewrites"] ?? "") ?? 0 }
        return ServerCounters(commits: commits, walSyncs: syncs, checkpoints: checkpoints, autovacuums: autovacuums, aofRewrites: rewrites)
    }

    static func - (end: ServerCounters, start: ServerCounters) -> ServerCounters {
        ServerCounters(
            commits: end.commits - start.commits, walSyncs: end.walSyncs - start.walSyncs, checkpoints: end.checkpoints - start.checkpoints,
            autovacuums: end.autovacuums - start.autovacuums, aofRewrites: end.aofRewrites - start.aofRewrites)
    }
}
