import BenchmarkSupport
import Foundation

/// The table, then per phase the figures behind it: wall times, queueing latency, exit codes, CPU.
func printReport(options: RunOptions, durability: [(String, String)], baselines: [Double], results: [RuntimeResult]) {
    let baseline = baselines.max() ?? .nan
    let cell = Table.cell(_:_:) as (String, Int) -> String
    let number = Table.number
    print("server: " + durability.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
    print("batch size: \(options.batchSize.map(String.init) ?? "100 (default)"), pre-loaded: \(options.messages), paced: \(options.pacedRate)/s for \(options.pacedSeconds) s")
    print()
    let header = Table.label("", 30)
        + cell("msg/s", 9) + cell("× base", 9) + cell("p50 ms", 9) + cell("p99 ms", 9) + cell("peak RSS MB", 13)
    print(header)
    print(Table.label("baseline (1 msg/txn)", 30)
        + cell(number(baseline, "%.0f"), 9) + cell("1.00", 9) + cell("-", 9) + cell("-", 9) + cell("-", 13))
    for result in results {
        let rss = result.peakRSS.map { number($0, "%.1f") }.joined(separator: "/")
        print(Table.label("runtime, \(result.phase)", 30)
            + cell(number(result.messagesPerSecond, "%.0f"), 9)
            + cell(number(result.messagesPerSecond / baseline, "%.2f"), 9)
            + cell(number(result.paced.p50Milliseconds, "%.1f"), 9)
            + cell(number(result.paced.p99Milliseconds, "%.1f"), 9)
            + cell(rss, 13))
    }
    print()
    print("baseline runs: " + baselines.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " msg/s (the faster one is the baseline)")
    print("msg/s: pre-loaded messages ÷ (last − first handled time). p50/p99: paced phase, XADD → handled")
    print("(committed_at is clock_timestamp() at the upsert, just before COMMIT; sent_at has ms precision).")
    for result in results {
        print("  \(result.phase): " + String(
            format: "%.2f s spawn → all committed (%.0f msg/s with start-up), %.2f s → outbox published; "
                + "pre-loaded queueing latency p50 %.0f ms, p99 %.0f ms; paced %d msgs; exit codes ",
            result.wallSeconds, Double(result.bulk.count) / result.wallSeconds, result.drainedSeconds,
            result.bulk.p50Milliseconds, result.bulk.p99Milliseconds, result.paced.count)
            + result.exitCodes.map { $0.map(String.init) ?? "killed" }.joined(separator: ","))
        let cpu = result.bulkCPU
        print(String(
            format: "    CPU per message: workers %.0f µs, postgres %.0f µs, redis %.0f µs (%.0f µs in all: %.0f msg/s per core); these used %.2f cores, the host was busy %.2f of %d",
            cpu.workerMicros, cpu.postgresMicros, cpu.redisMicros,
            cpu.workerMicros + cpu.postgresMicros + cpu.redisMicros,
            1e6 / max(1, cpu.workerMicros + cpu.postgresMicros + cpu.redisMicros),
            cpu.benchCores, cpu.hostCores, ProcessInfo.processInfo.activeProcessorCount))
    }
}
