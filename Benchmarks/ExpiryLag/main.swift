// Expiry lag: from an order's due time to the expiration:complete entry that announces it,
// with two real expiration-worker processes (release builds from the same build folder) on
// Redis with the AOF fsynced on every write and a durable Postgres, as deployed.
//
//   swift build -c release && .build/release/expiry-bench [--runs 5] [--entries 100000] [--window 20] [--lead 30]
//
// Each run spreads the entries' due times evenly over the window, which opens `lead` seconds
// after the run starts. Half reach the workers as order:created events (the group gives each
// to one copy, which schedules it); the other half this process puts on the schedule itself,
// as another copy of the worker would, so the copies learn of them only through the
// schedule's wake-ups. All are sent at once and must be on the schedule before the window
// opens (the run says how early they were): what is measured is the scheduler, not how fast
// entries can be scheduled. The baseline beside the figures is Redis's own round trip in the
// same run: the least any lag can be.

import BenchmarkSupport
import Contracts
import ExpirationService
import Foundation
import RedisClient
import TestSupport

struct Options {
    var runs = 5
    var entries = 100_000
    var window = 20
    var lead = 30

    init(_ arguments: [String]) throws {
        let flags = try WholeNumberFlags.parse(
            arguments, known: ["--runs", "--entries", "--window", "--lead"],
            usage: "--runs N --entries N --window SECONDS --lead SECONDS")
        runs = flags["--runs"] ?? runs
        entries = flags["--entries"] ?? entries
        window = flags["--window"] ?? window
        lead = flags["--lead"] ?? lead
    }
}


/// One entry to schedule: its order id, when it is due, and which way it goes on the schedule.
struct Planned {
    let order: String
    let due: Date
    let byEvent: Bool
}

struct RunResult {
    let published: Int
    let duplicates: Int
    let lags: Latencies
    let early: Int
    let cpuMicros: [(String, Double)]
    let pingMicros: Latencies
    /// How long before the window opened every entry was on the schedule.
    let scheduledAhead: Double
    /// AOF rewrites Redis started during the run (each forks, and can stall it briefly).
    let aofRewrites: Int
}

let options = try Options(Array(CommandLine.arguments.dropFirst()))
let redisServer = try await RedisServer.start(extraArguments: ["--appendonly", "yes", "--appendfsync", "always"])
let postgres = try await PostgresServer.start(durable: true)
let databaseURL = try await postgres.createDatabase()
let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: redisServer.url))
let redisPID = (try await redis.info("server"))["process_id"].flatMap { pid_t($0) }
let logs = try BuiltProducts.logDirectory("expiry-bench")
print("expiry lag: \(options.entries) entries due over \(options.window) s, two expiration-worker copies, Redis AOF always, Postgres fsync on")
print("run   published  dup  early   p50 ms   p99 ms   max ms   | Redis PING p50 / p99 µs | ahead s | AOF rewrites | CPU µs/entry: worker A, worker B, redis")

var verdicts: [Bool] = []
for run in 1...options.runs {
    let result = try await measure(run: run)
    let cpu = result.cpuMicros.map { String(format: "%.1f", $0.1) }.joined(separator: ", ")
    print(Table.label(String(run), 4) + Table.cell(String(result.published), 11) + Table.cell(String(result.duplicates), 5)
          + Table.cell(String(result.early), 7)
          + Table.cell(result.lags.percentile(0.5), 9, "%.0f") + Table.cell(result.lags.percentile(0.99), 9, "%.0f")
          + Table.cell(result.lags.sorted.last, 9, "%.0f")
          + "   |   " + Table.cell(result.pingMicros.percentile(0.5), 6, "%.0f") + " / " + Table.label(Table.number(result.pingMicros.percentile(0.99), "%.0f"), 12)
          + "| " + Table.cell(result.scheduledAhead, 7, "%.1f") + " | " + Table.cell(String(result.aofRewrites), 12) + " | " + cpu)
    verdicts.append(result.published == options.entries && result.duplicates == 0 && result.early == 0
                    && result.scheduledAhead > 0 && result.lags.percentile(0.99) <= 10 && (result.lags.sorted.last ?? .infinity) <= 50)
}
print("target (every entry scheduled before the window, published once, never early, p99 ≤ 10 ms, max ≤ 50 ms): "
      + verdicts.enumerated().map { "run \($0.offset + 1) \($0.element ? "met" : "MISSED")" }.joined(separator: ", "))
await redis.shutdown()
await redisServer.stop()
await postgres.stop()

func measure(run: Int) async throws -> RunResult {
    let keys = KeySpace(prefix: "expiry-bench-\(run)")
    let environment = [
        "REDIS_URL": redisServer.url, "DATABASE_URL": databaseURL, "KEY_PREFIX": keys.prefix, "LOG_LEVEL": "warning",
    ]
    var workers: [ChildProcess] = []
    for copy in ["a", "b"] {
        workers.append(try ChildProcess(
            name: "expiration-worker-\(run)\(copy)", executable: BuiltProducts.path("expiration-worker"),
            environment: environment.merging(["CONSUMER_NAME": "bench-\(run)\(copy)"]) { $1 }, logDirectory: logs))
    }
    // Both copies are reading: each has a blocked XREADGROUP (Redis lists a consumer only once
    // it has been given an entry, so the group's consumer list cannot tell).
    let events = keys.events(.orderCreated)
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        let clients = (try? await redis.send(RedisCommand("CLIENT", "LIST")).string) ?? ""
        let reading = clients.split(separator: "\n").filter { $0.contains("name=expiration:bench-\(run)") && $0.contains("cmd=xreadgroup") }
        if reading.count >= 2 { break }
        guard ContinuousClock.now < deadline else {
            throw BenchmarkError("the expiration workers did not start (exit codes \(workers.map(\.exitCode))): \(workers[0].logTail())")
        }
        try await Task.sleep(for: .milliseconds(100))
    }

    let start = Date().addingTimeInterval(Double(options.lead))
    let plan = (0..<options.entries).map { index in
        Planned(order: RecordID.make(), due: start.addingTimeInterval(Double(options.window) * Double(index) / Double(options.entries)),
                byEvent: index % 2 == 0)
    }
    var dueMilliseconds: [String: Int64] = [:]
    var appends: [RedisCommand] = []
    for entry in plan where entry.byEvent {
        let event = OrderCreated(
            id: entry.order, status: .created, userId: RecordID.make(), expiresAt: entry.due, version: 0,
            ticket: .init(id: RecordID.make(), priceCents: 1_000))
        let data = MessageCoding.encode(event)
        // The due time as the worker will read it back from the JSON.
        let decoded = try MessageCoding.decode(OrderCreated.self, from: data).expiresAt
        dueMilliseconds[entry.order] = Int64((decoded.timeIntervalSince1970 * 1000).rounded(.up))
        var append = RedisCommand("XADD", events, "*")
        let envelope = Envelope(id: UUID(uuidString: entry.order)!, type: OrderCreated.type, data: data, correlationID: entry.order)
        for (name, value) in envelope.fields { append.append(contentsOf: [name, value]) }
        appends.append(append)
    }
    let cpuBefore = cpuSeconds(workers)
    let rewritesBefore = try await aofRewrites()
    for chunk in stride(from: 0, to: appends.count, by: 500) {
        for result in try await redis.pipeline(Array(appends[chunk..<min(chunk + 500, appends.count)])) { _ = try result.get() }
    }
    // The other half as another copy would add them; concurrent calls share round trips.
    let schedule = ExpirationSchedule(keys: keys, redis: redis)
    let direct = plan.filter { !$0.byEvent }
    for chunk in stride(from: 0, to: direct.count, by: 500) {
        let scores = try await withThrowingTaskGroup(of: (String, Int64).self) { group in
            for entry in direct[chunk..<min(chunk + 500, direct.count)] {
                group.addTask { (entry.order, try await schedule.add(order: entry.order, due: entry.due)) }
            }
            return try await group.reduce(into: [(String, Int64)]()) { $0.append($1) }
        }
        for (order, score) in scores { dueMilliseconds[order] = score }
    }
    let announced = keys.events(.expirationComplete)
    while try await redis.zcard(keys.expirations) + redis.xlen(announced) < options.entries {
        try await Task.sleep(for: .milliseconds(20))
    }
    let scheduledAhead = start.timeIntervalSinceNow

    var pings: [Double] = []
    let settle = ContinuousClock.now + .seconds(max(scheduledAhead, 0) + Double(options.window) + 20)
    while try await redis.xlen(announced) < options.entries, ContinuousClock.now < settle {
        let sent = ContinuousClock.now
        _ = try await redis.send(RedisCommand("PING"))
        pings.append((ContinuousClock.now - sent).microseconds)
        try await Task.sleep(for: .milliseconds(20))
    }
    let cpuAfter = cpuSeconds(workers)
    let rewrites = try await aofRewrites() - rewritesBefore
    for worker in workers { _ = await worker.terminate() }

    var lags: [Double] = []
    var seen = Set<String>()
    var duplicates = 0
    var early = 0
    var cursor = "-"
    while true {
        let page = try await redis.xrange(announced, start: cursor, count: 10_000)
        for entry in page {
            guard let order = entry[EnvelopeField.id], let due = dueMilliseconds[order],
                  let added = Int64(entry.id.split(separator: "-")[0]) else { continue }
            if !seen.insert(order).inserted { duplicates += 1; continue }
            // Redis stamps a script's entries with the time the script started, up to a
            // millisecond before the clock reading it compared the due time with.
            if added < due - 1 { early += 1 }
            lags.append(Double(max(added - due, 0)))
        }
        guard page.count == 10_000, let last = page.last else { break }
        cursor = "(" + last.id
    }
    let labels = ["worker A", "worker B", "redis"]
    let cpu = zip(labels, zip(cpuBefore, cpuAfter)).map { ($0.0, ($0.1.1 - $0.1.0) * 1e6 / Double(options.entries)) }
    _ = try await redis.send(RedisCommand("FLUSHALL"))
    return RunResult(
        published: seen.count, duplicates: duplicates, lags: Latencies(lags), early: early, cpuMicros: cpu,
        pingMicros: Latencies(pings), scheduledAhead: scheduledAhead, aofRewrites: rewrites)
}

/// CPU seconds so far of each worker, then of redis-server.
func cpuSeconds(_ workers: [ChildProcess]) -> [Double] {
    (workers.map(\.pid) + [redisPID ?? -1]).map { ProcessStats.cpu($0)?.seconds ?? .nan }
}

/// AOF rewrites since Redis started.
func aofRewrites() async throws -> Int {
    Int(try await redis.info("persistence")["aof_rewrites"] ?? "") ?? 0
}
