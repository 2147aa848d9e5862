import BenchmarkSupport
import Foundation

/// Prints a line and flushes it at once, so a pipe or a log file shows each line as it comes.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// The printed figures: a line as each phase ends, then the tables.
enum Report {
    static func progress(_ result: PhaseResult) {
        let tally = result.tally
        let latencies = Latencies(tally.latencies)
        var line = "\(result.name): \(tally.answered + tally.transportErrors) sent, \(tally.created) × 201, \(tally.pending) × 202"
        for (status, count) in tally.otherStatuses.sorted(by: { $0.key < $1.key }) { line += ", \(count) × \(status)" }
        line += ", \(tally.transportErrors) transport errors"
        if tally.unsent > 0 { line += ", \(tally.unsent) UNSENT (behind schedule at twice the phase)" }
        if tally.outOfTickets > 0 { line += ", RAN OUT OF TICKETS (raise --max-rate)" }
        line += String(format: "; %.0f orders/s, settled %.0f/s; p50 %.1f ms, p99 %.1f ms",
                       result.ordersPerSecond, result.settledPerSecond, latencies.percentile(0.5), latencies.percentile(0.99))
        say(line)
        if !tally.lateness.isEmpty {
            let lateness = Latencies(tally.lateness)
            say(String(format: "  sent after its due time (included above): p50 %.2f ms, p99 %.2f ms, max %.1f ms",
                       lateness.percentile(0.5), lateness.percentile(0.99), lateness.sorted.last ?? 0))
        }
        if !tally.slowBySecond.isEmpty {
            let worst = tally.slowBySecond.sorted { $0.value > $1.value }.prefix(12).sorted { $0.key < $1.key }
            // The phase's start on the wall clock, to line these seconds up with server logs.
            let began = tally.start.map { Date().addingTimeInterval(-(ContinuousClock.now - $0).seconds) } ?? Date()
            say(String(format: "  over %.0f ms, by second of the phase from ", PhaseTally.slowMilliseconds)
                + began.formatted(.iso8601.time(includingFractionalSeconds: true))
                + " UTC (worst \(worst.count) of \(tally.slowBySecond.count)): "
                + worst.map { "\($0.key) s: \($0.value)" }.joined(separator: ", "))
        }
        if let start = tally.start, !result.writeBacks.isEmpty {
            say(String(format: "  kernel write-back of %.0f MB or more at once, by second of the phase: ", WriteBackWatch.burstMegabytes)
                + result.writeBacks.map { String(format: "%d s: %.0f MB", Int(max(0, ($0.at - start).seconds)), $0.megabytes) }
                    .joined(separator: ", "))
        }
    }

    static func tables(monolith: PhaseResult?, fleet: [PhaseResult], idle: IdleCost, names: [String]) {
        let all = [monolith].compactMap { $0 } + fleet
        say("\nthroughput and latency (ms; paced phases from each order's scheduled send time)")
        say(Table.label("phase", 16) + ["target/s", "201", "202", "other", "errors", "orders/s", "settled/s", "vs mono",
                                         "p50", "p90", "p99", "p99.9", "max"].map { Table.cell($0, 10) }.joined())
        for result in all {
            let tally = result.tally
            let latencies = Latencies(tally.latencies)
            // Only the unpaced phase is a peak to set beside the monolith's; a paced one ran at its target.
            let ratio = monolith.flatMap { result.name == $0.name || result.target != nil ? nil : result.ordersPerSecond / $0.ordersPerSecond }
            say(Table.label(result.name, 16)
                  + Table.cell(result.target, 10, "%.0f") + Table.cell(String(tally.created), 10) + Table.cell(String(tally.pending), 10)
                  + Table.cell(String(tally.otherStatuses.values.reduce(0, +)), 10) + Table.cell(String(tally.transportErrors), 10)
                  + Table.cell(result.ordersPerSecond, 10, "%.0f") + Table.cell(result.settledPerSecond, 10, "%.0f")
                  + Table.cell(ratio, 10, "%.3f")
                  + [0.5, 0.9, 0.99, 0.999].map { Table.cell(latencies.percentile($0), 10) }.joined()
                  + Table.cell(latencies.sorted.last, 10))
        }
        if let monolith, let peak = fleet.first(where: { $0.target == nil }) {
            say(String(format: "the fleet's unpaced peak is %.3f of the monolith's orders/s (1 : %.1f), settled %.3f",
                       peak.ordersPerSecond / monolith.ordersPerSecond, monolith.ordersPerSecond / peak.ordersPerSecond,
                       peak.settledPerSecond / monolith.ordersPerSecond))
        }
        if let monolith, let rate = monolith.target {
            let floor = Latencies(monolith.tally.latencies)
            for result in fleet where result.target == rate {
                let latencies = Latencies(result.tally.latencies)
                say(String(format: "at %.0f orders/s the fleet's p50 is %.1f ms and p99 %.1f ms; the monolith's, one transaction and "
                           + "one commit per order, %.1f ms and %.1f ms", rate, latencies.percentile(0.5), latencies.percentile(0.99),
                           floor.percentile(0.5), floor.percentile(0.99)))
            }
        }
        let columns = names + ["total"]
        func fleetTotal(_ values: [String: Double]) -> Double? {
            let parts = names.filter { $0 != ProcessSet.client }.compactMap { values[$0] }
            return parts.isEmpty ? nil : parts.reduce(0, +)
        }
        say("\nCPU µs per order (user + system, phase start → drained); total: every fleet process, the load's client")
        say("excluded; for the monolith, its client (which is the application) and Postgres")
        header(columns)
        for result in all {
            let perOrder = result.cpu.mapValues { $0 * 1e6 / Double(max(result.orders, 1)) }
            var values = perOrder
            values["total"] = result.name == monolith?.name ? perOrder.values.reduce(0, +) : fleetTotal(perOrder)
            say(Table.label(result.name, 16) + columns.map { Table.cell(values[$0], width, "%.0f") }.joined())
        }
        say("\npeak RSS MB within the phase (VmHWM; postgres: summed over its processes, shared memory in each)")
        header(names)
        for result in all {
            say(Table.label(result.name, 16) + names.map { Table.cell(result.peakMB[$0], width) }.joined())
        }
        say("\nPostgres per order (every database): commits, WAL fsyncs; in the phase: Postgres checkpoints, autovacuum and")
        say(String(format: "autoanalyze runs, Redis AOF rewrites, the kernel's write-backs of %.0f MB or more at once (background work: a latency",
                   WriteBackWatch.burstMegabytes))
        say("spike in a phase that had some is likely theirs)")
        say(Table.label("phase", 16) + ["commits", "WAL fsync", "checkpts", "autovac", "AOF rewr", "writeback"].map { Table.cell($0, 10) }.joined())
        for result in all {
            let orders = Double(max(result.orders, 1))
            let counters = result.counters
            say(Table.label(result.name, 16) + Table.cell(Double(counters.commits) / orders, 10, "%.2f")
                  + Table.cell(Double(counters.walSyncs) / orders, 10, "%.2f")
                  + [counters.checkpoints, counters.autovacuums, counters.aofRewrites, result.writeBacks.count]
                    .map { Table.cell(String($0), 10) }.joined())
        }
        let cpuMillis = names.filter { $0 != ProcessSet.client }.compactMap { idle.cpu[$0] }.reduce(0, +) * 1000 / idle.seconds
        say(String(format: "idle fleet, %.0f s with nothing sent: %.0f commits/s, %.0f WAL fsyncs/s, %.0f ms CPU/s (every phase's figures include this for its length)",
                   idle.seconds, Double(idle.counters.commits) / idle.seconds, Double(idle.counters.walSyncs) / idle.seconds, cpuMillis))
    }

    /// Process columns: room for `expiration` and a space.
    private static let width = 11

    private static func header(_ names: [String]) {
        say(Table.label("phase", 16) + names.map { Table.cell(short($0), width) }.joined())
    }

    /// `orders-worker` → `orders`, `redis-server` → `redis`, so the columns stay narrow.
    static func short(_ name: String) -> String {
        name.replacingOccurrences(of: "-worker", with: "").replacingOccurrences(of: "-server", with: "")
    }
}
