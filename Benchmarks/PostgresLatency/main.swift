// Single-row INSERT latency and throughput of our client next to `pgbench` on the same server,
// in the same run, and the same for pipelined batches of 100. Uses DATABASE_URL when set, else
// starts its own postgres (fsync off: this measures the client and the protocol, not the disk).
// Build in release: swift build -c release --scratch-path .build-pg --product postgres-latency-bench
// BENCH_N sets the number of inserts (default 10,000); PGBENCH the pgbench binary.

import BenchmarkSupport
import Foundation
import PostgresClient
import TestSupport

struct Figures {
    var label: String
    var insertsPerSecond: Double
    var meanMicros: Double
    var p50Micros: Double
    var p99Micros: Double
}

/// Figures from per-operation samples (µs), each operation inserting `rowsPerSample` rows.
func figures(_ label: String, samples: [Double], totalMicros: Double, rowsPerSample: Int) -> Figures {
    let latencies = Latencies(samples)
    return Figures(
        label: label,
        insertsPerSecond: Double(samples.count * rowsPerSample) / (totalMicros / 1e6),
        meanMicros: latencies.mean, p50Micros: latencies.percentile(0.5), p99Micros: latencies.percentile(0.99))
}

/// Times `count` runs of `operation`, after a short warm-up.
func measure(
    _ label: String, count: Int, rowsPerSample: Int = 1,
    isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> Void
) async throws -> Figures {
    for _ in 0..<min(500, count) { try await operation() }
    var samples: [Double] = []
    samples.reserveCapacity(count)
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<count {
        let before = clock.now
        try await operation()
        samples.append((clock.now - before).microseconds)
    }
    return figures(label, samples: samples, totalMicros: (clock.now - started).microseconds, rowsPerSample: rowsPerSample)
}

/// Runs pgbench with one client on `script` for `transactions` transactions and reads the
/// per-transaction latencies from its `-l` log.
func pgbench(_ label: String, url: String, script: String, mode: String, transactions: Int, rowsPerTransaction: Int) throws -> Figures {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgbench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let scriptFile = directory.appendingPathComponent("script.sql")
    try script.write(to: scriptFile, atomically: true, encoding: .utf8)
    let executable = ProcessInfo.processInfo.environment["PGBENCH"] ?? "/usr/lib/postgresql/15/bin/pgbench"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = [
        "-n", "-c", "1", "-t", "\(transactions)", "-M", mode, "-f", scriptFile.path,
        "-l", "--log-prefix=\(directory.appendingPathComponent("log").path)", url,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PostgresError(code: .protocol, message: "pgbench failed:\n\(output)")
    }
    // Each log line: client_id transaction_no latency_µs script_no epoch epoch_µs
    var samples: [Double] = []
    for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix("log") {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 3, let latency = Double(fields[2]) { samples.append(latency) }
        }
    }
    // tps "without initial connection time" is the throughput figure pgbench itself reports.
    let tps = output.split(separator: "\n").first { $0.hasPrefix("tps = ") }
        .flatMap { Double($0.dropFirst(6).prefix { $0 != " " }) }
    var result = figures(label, samples: samples, totalMicros: 1, rowsPerSample: rowsPerTransaction)
    result.insertsPerSecond = (tps ?? 0) * Double(rowsPerTransaction)
    return result
}

func row(_ figures: Figures, versus baselines: [Figures] = []) -> String {
    let ratios = baselines.map { Table.cell(figures.insertsPerSecond / $0.insertsPerSecond, 9, "%.2f") }.joined()
    return Table.label(figures.label, 40)
        + Table.cell(figures.meanMicros, 10) + Table.cell(figures.p50Micros, 10) + Table.cell(figures.p99Micros, 10)
        + Table.cell(figures.insertsPerSecond, 11, "%.0f") + ratios
}

let environment = ProcessInfo.processInfo.environment
let count = Int(environment["BENCH_N"] ?? "") ?? 10_000
let batch = 100
var ownServer: PostgresServer?
let url: String
if let given = environment["DATABASE_URL"] {
    url = given
} else {
    let server = try await PostgresServer.start()
    ownServer = server
    url = try await server.createDatabase(named: "bench")
}
let client = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: 2))
try await client.query("DROP TABLE IF EXISTS bench")
try await client.query("CREATE TABLE bench (id bigserial PRIMARY KEY, v text)")

let single = "INSERT INTO bench (v) VALUES ('x');\n"
let pipelined = "\\startpipeline\n" + String(repeating: single, count: batch) + "\\endpipeline\n"

let pgSimple = try pgbench("pgbench -M simple", url: url, script: single, mode: "simple", transactions: count, rowsPerTransaction: 1)
let pgExtended = try pgbench("pgbench -M extended", url: url, script: single, mode: "extended", transactions: count, rowsPerTransaction: 1)
let pgPrepared = try pgbench("pgbench -M prepared", url: url, script: single, mode: "prepared", transactions: count, rowsPerTransaction: 1)

let ourPool = try await measure("ours, client.query (pool)", count: count) {
    try await client.query("INSERT INTO bench (v) VALUES (\("x"))")
}
let ourConnection = try await client.withConnection { connection in
    try await measure("ours, one borrowed connection", count: count) {
        try await connection.query("INSERT INTO bench (v) VALUES (\("x"))")
    }
}

let batches = max(1, count / batch)
let pgPipeline = try pgbench(
    "pgbench -M extended, pipeline of \(batch)", url: url, script: pipelined, mode: "extended",
    transactions: batches, rowsPerTransaction: batch
)
let pgPipelinePrepared = try pgbench(
    "pgbench -M prepared, pipeline of \(batch)", url: url, script: pipelined, mode: "prepared",
    transactions: batches, rowsPerTransaction: batch
)
let statements: [PostgresQuery] = (0..<batch).map { _ in "INSERT INTO bench (v) VALUES (\("x"))" }
let ourPipeline = try await measure("ours, pipeline of \(batch)", count: batches, rowsPerSample: batch) {
    for result in try await client.pipeline(statements) { _ = try result.get() }
}
let values = [String](repeating: "x", count: batch)
let ourUnnest = try await measure("ours, one unnest($1::text[]) of \(batch)", count: batches, rowsPerSample: batch) {
    try await client.query(PostgresQuery("INSERT INTO bench (v) SELECT * FROM unnest($1::text[])", binds: [values]))
}

print("INSERT INTO bench (v) VALUES (…): \(count) sequential single-row inserts, one client, \(url)")
print("".padding(toLength: 40, withPad: " ", startingAt: 0) + "   mean µs    p50 µs    p99 µs   inserts/s  ÷ext*  ÷prep*")
print(row(pgSimple))
print(row(pgExtended))
print(row(pgPrepared))
print(row(ourPool, versus: [pgExtended, pgPrepared]))
print(row(ourConnection, versus: [pgExtended, pgPrepared]))
print("")
print("Batches of \(batch) inserts (latency per batch), \(batches) batches")
print(row(pgPipeline))
print(row(pgPipelinePrepared))
print(row(ourPipeline, versus: [pgPipeline, pgPipelinePrepared]))
print(row(ourUnnest, versus: [pgPipeline, pgPipelinePrepared]))
print("* our inserts/s ÷ pgbench's for the same shape, -M extended and -M prepared (higher is better).")
print("  Ours sends binary binds with explicit types over the extended protocol and prepares each")
print("  statement once per connection, so -M prepared is the like-for-like baseline.")

await client.close()
await ownServer?.stop()
