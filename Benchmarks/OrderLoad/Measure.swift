import BenchmarkSupport
import Foundation
import PostgresClient
import RedisClient

/// One measured phase: its requests, and what it cost each process from its start until the
/// work it caused was done.
struct PhaseResult {
    let name: String
    /// Orders/s the phase was paced at; nil when unpaced.
    let target: Double?
    let tally: PhaseTally
    /// Start → last answer.
    let seconds: Double
    /// Start → the fleet drained (for the monolith, the same as `seconds`).
    let settledSeconds: Double
    /// CPU seconds by process over start → drained.
    let cpu: [String: Double]
    let peakMB: [String: Double]
    let counters: ServerCounters
    /// The kernel's large write-backs from start to drained (see ``WriteBackWatch``).
    let writeBacks: [WriteBackWatch.Burst]

    /// Orders taken: 201s, and 202s, which the fleet still carries out.
    var orders: Int { tally.created + tally.pending }
    var ordersPerSecond: Double { Double(tally.created) / seconds }
    var settledPerSecond: Double { Double(orders) / settledSeconds }
}

/// Samples the processes and Postgres's counters around a phase.
struct Meter {
    let processes: ProcessSet
    let database: PostgresClient
    /// The fleet's Redis, for its AOF rewrites; nil for the monolith.
    var redis: RedisClient? = nil

    /// Runs `load` (which returns its tally and start), then `drain` (which returns when the
    /// work is done). Postgres's counters are read after ``ServerCounters/settle`` on both
    /// sides, so the phase gets its own commits and no one else's (`settleFirst` false: the
    /// last phase's settle was the last thing that happened).
    func measure(
        _ name: String, target: Double? = nil, settleFirst: Bool = true,
        load: () async throws -> (PhaseTally, ContinuousClock.Instant),
        drain: () async throws -> ContinuousClock.Instant
    ) async throws -> PhaseResult {
        if settleFirst { try await Task.sleep(for: ServerCounters.settle) }
        let counters = try await ServerCounters.read(database, redis: redis)
        processes.resetPeaks()
        let cpu = processes.cpu()
        let watch = WriteBackWatch()
        // A load or drain that throws leaves the phase here: the watch stops with it.
        defer { _ = watch.stop() }
        let (tally, start) = try await load()
        let drained = try await drain()
        let writeBacks = watch.stop()
        let cpuEnd = processes.cpu()
        let peaks = processes.peaks()
        try await Task.sleep(for: ServerCounters.settle)
        let countersEnd = try await ServerCounters.read(database, redis: redis)
        let result = PhaseResult(
            name: name, target: target, tally: tally,
            seconds: ((tally.lastAnswer ?? start) - start).seconds, settledSeconds: (drained - start).seconds,
            cpu: cpuEnd.merging(cpu) { $0 - $1 }, peakMB: peaks, counters: countersEnd - counters,
            writeBacks: writeBacks)
        Report.progress(result)
        return result
    }
}

/// What the fleet costs with nothing to do (polls, relays, sweeps), per second: the phases'
/// figures include it for their length and their drain and settle, which matters at low rates.
struct IdleCost {
    let counters: ServerCounters
    let cpu: [String: Double]
    let seconds: Double

    /// Follows a phase, whose end was settled: the counters are current.
    static func measure(_ meter: Meter) async throws -> IdleCost {
        let counters = try await ServerCounters.read(meter.database, redis: meter.redis)
        let cpu = meter.processes.cpu()
        let start = ContinuousClock.now
        try await Task.sleep(for: ServerCounters.settle)
        let countersEnd = try await ServerCounters.read(meter.database, redis: meter.redis)
        return IdleCost(counters: countersEnd - counters, cpu: meter.processes.cpu().merging(cpu) { $0 - $1 },
                        seconds: (ContinuousClock.now - start).seconds)
    }
}
