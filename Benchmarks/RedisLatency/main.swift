// PING latency and throughput of our client next to `redis-benchmark` on the same server,
// in the same run. Uses REDIS_URL when set, else starts its own redis-server.
// Build in release: swift build -c release --scratch-path .build-redis --product redis-latency-bench

import BenchmarkSupport
import Foundation
import RedisClient
import TestSupport

struct Figures {
    var label: String
    var opsPerSecond: Double
    var meanMicros: Double?
    var p50Micros: Double?
    var p99Micros: Double?
}

/// `count` sequential PINGs, each one timed.
func sequentialPings(_ label: String, _ redis: some RedisCommandSender, count: Int) async throws -> Figures {
    for _ in 0..<1000 { try await redis.ping() }  // warm-up
    var samples: [Double] = []
    samples.reserveCapacity(count)
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<count {
        let before = clock.now
        try await redis.ping()
        samples.append((clock.now - before).microseconds)
    }
    let total = (clock.now - started).seconds
    let latencies = Latencies(samples)
    return Figures(
        label: label, opsPerSecond: Double(count) / total,
        meanMicros: latencies.mean, p50Micros: latencies.percentile(0.5), p99Micros: latencies.percentile(0.99))
}

/// `callers` tasks sharing the pool, `count` PINGs in all: throughput only.
func concurrentPings(_ label: String, _ redis: RedisClient, callers: Int, count: Int) async throws -> Figures {
    let clock = ContinuousClock()
    let started = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<callers {
            group.addTask { for _ in 0..<(count / callers) { try await redis.ping() } }
        }
        try await group.waitForAll()
    }
    return Figures(label: label, opsPerSecond: Double(count) / (clock.now - started).seconds)
}

/// Runs `redis-benchmark -t ping_mbulk --csv` and reads its one result line.
func redisBenchmark(_ configuration: RedisConfiguration, clients: Int, count: Int) throws -> Figures {
    var arguments = ["-c", "\(clients)", "-n", "\(count)", "-t", "ping_mbulk", "--csv"]
    switch configuration.endpoint {
    case .tcp(let host, let port): arguments += ["-h", host, "-p", "\(port)"]
    case .unixSocket(let path): arguments += ["-s", path]
    }
    if let password = configuration.password { arguments += ["-a", password, "--no-auth-warning"] }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-benchmark")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("\"PING") }) else {
        throw RedisError(code: .unexpectedReply, message: "no result in redis-benchmark output:\n\(output)")
    }
    let values = line.split(separator: ",").map { Double($0.trimmingCharacters(in: ["\""])) }
    return Figures(
        label: "redis-benchmark -c \(clients)",
        opsPerSecond: values[1] ?? 0,
        meanMicros: values[2].map { $0 * 1000 },
        p50Micros: values[4].map { $0 * 1000 },
        p99Micros: values[6].map { $0 * 1000 }
    )
}

func row(_ figures: Figures, baseline: Figures?) -> String {
    let ratio = baseline.map { figures.opsPerSecond / $0.opsPerSecond }
    return Table.label(figures.label, 28)
        + Table.cell(figures.meanMicros, 9) + Table.cell(figures.p50Micros, 9) + Table.cell(figures.p99Micros, 9)
        + Table.cell(figures.opsPerSecond, 11, "%.0f") + Table.cell(ratio, 9, "%.2f")
}

let environment = ProcessInfo.processInfo.environment
let count = Int(environment["BENCH_N"] ?? "") ?? 20_000
let callers = 32
var ownServer: RedisServer?
let url: String
if let given = environment["REDIS_URL"] {
    url = given
} else {
    let server = try await RedisServer.start()
    ownServer = server
    url = server.url
}
var configuration = try RedisConfiguration(url: url)
configuration.poolSize = 4

let pool = try await RedisClient.connect(configuration: configuration)
let dedicated = try await pool.dedicatedConnection()

let baseline1 = try redisBenchmark(configuration, clients: 1, count: count)
let ourDedicated = try await sequentialPings("ours, dedicated, 1 caller", dedicated, count: count)
let ourPool = try await sequentialPings("ours, pool, 1 caller", pool, count: count)
let baseline32 = try redisBenchmark(configuration, clients: callers, count: count * 5)
let ourConcurrent = try await concurrentPings("ours, pool(4), \(callers) callers", pool, callers: callers, count: count * 5)

print("PING, \(count) sequential (\(count * 5) with \(callers) callers), \(url)")
print("".padding(toLength: 28, withPad: " ", startingAt: 0) + "  mean µs   p50 µs   p99 µs      ops/s  ratio*")
print(row(baseline1, baseline: nil))
print(row(ourDedicated, baseline: baseline1))
print(row(ourPool, baseline: baseline1))
print(row(baseline32, baseline: nil))
print(row(ourConcurrent, baseline: baseline32))
print("* ratio = our ops/s ÷ redis-benchmark ops/s at the same concurrency (higher is better)")

await dedicated.close()
await pool.shutdown()
await ownServer?.stop()
