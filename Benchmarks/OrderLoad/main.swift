// End-to-end latency of `POST /api/orders` under concurrent clients, through the whole fleet:
// the API and the five workers as real processes (release builds from the same build folder),
// on throwaway Redis and Postgres (fsync and synchronous commit on).
//
//   swift build -c release && .build/release/order-load-bench [--clients 32] [--orders 3200]
//   .build/release/order-load-bench --soak 600 [--rate 150]     (memory soak: see Soak.swift)
//
// Every order is for a ticket of its own, so each request is a real reservation: XADD of the
// command, the orders worker's transaction, its reply, and the HTTP answer.

import BenchmarkSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

struct Options {
    var clients = 32
    var orders = 3200
    /// Seconds of the memory soak; nil runs the latency benchmark.
    var soakSeconds: Int?
    /// Purchases a second during the soak.
    var rate = 150

    init(_ arguments: [String]) throws {
        let flags = try WholeNumberFlags.parse(
            arguments, known: ["--clients", "--orders", "--soak", "--rate"],
            usage: "--clients N --orders N, or --soak SECONDS --rate N")
        clients = flags["--clients"] ?? clients
        orders = flags["--orders"] ?? orders
        soakSeconds = flags["--soak"]
        rate = flags["--rate"] ?? rate
    }
}

let options = try Options(Array(CommandLine.arguments.dropFirst()))
// The soak runs Redis as deployed (AOF, fsync on every write); its orders expire within it.
let redis = try await RedisServer.start(
    extraArguments: options.soakSeconds == nil ? [] : ["--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction"])
let postgres = try await PostgresServer.start(durable: true)
let databaseURL = try await postgres.createDatabase()
let port = try BuiltProducts.freePort()
let environment = [
    "REDIS_URL": redis.url, "DATABASE_URL": databaseURL, "PORT": String(port), "HOST": "127.0.0.1",
    "JWT_KEY": "order-load-benchmark-key-of-at-least-32-bytes", "LOG_LEVEL": "warning",
    "BCRYPT_COST": "10",
].merging(options.soakSeconds == nil ? [:] : ["ORDER_TTL_SECONDS": String(Soak.orderTTLSeconds)]) { $1 }
let logs = try BuiltProducts.logDirectory("order-load")
var processes: [ChildProcess] = []
for name in ["auth-worker", "tickets-worker", "orders-worker", "expiration-worker", "payments-worker", "api"] {
    processes.append(try ChildProcess(name: name, executable: BuiltProducts.path(name), environment: environment, logDirectory: logs))
}
let client = HTTPClient(base: "http://127.0.0.1:\(port)", connections: options.clients)
try await client.waitUntilReady()
if let seconds = options.soakSeconds {
    try await Soak(client: client, redisURL: redis.url, processes: processes, clients: options.clients, rate: options.rate, seconds: seconds).run()
    for process in processes { await process.terminate() }
    await redis.stop()
    await postgres.stop()
    exit(0)
}

// Setup: a seller with one ticket per order, and one buyer per client.
let seller = try await client.signUp("seller")
var tickets: [String] = []
try await withThrowingTaskGroup(of: [String].self) { group in
    let perClient = (options.orders + options.clients - 1) / options.clients
    for _ in 0..<options.clients {
        group.addTask {
            var made: [String] = []
            for _ in 0..<perClient { made.append(try await client.createTicket(seller)) }
            return made
        }
    }
    for try await made in group { tickets += made }
}
tickets = Array(tickets.prefix(options.orders))
var buyers: [String] = []
for index in 0..<options.clients { buyers.append(try await client.signUp("buyer\(index)")) }
// The orders service learns tickets from ticket:created: wait until it knows the last one.
try await client.waitForOrderable(tickets.last!, buyer: buyers[0])

let started = ContinuousClock.now
let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
    for (index, buyer) in buyers.enumerated() {
        let mine = stride(from: index, to: tickets.count, by: buyers.count).map { tickets[$0] }
        group.addTask {
            var measured: [Double] = []
            for ticket in mine {
                let start = ContinuousClock.now
                let status = try await client.order(ticket, buyer: buyer)
                let elapsed = ContinuousClock.now - start
                guard status == 201 else { throw BenchmarkError("an order answered \(status)") }
                measured.append(elapsed.seconds * 1000)
            }
            return measured
        }
    }
    var all: [Double] = []
    for try await part in group { all += part }
    return all.sorted()
}
let seconds = (ContinuousClock.now - started).seconds
let figures = Latencies(latencies)
print("POST /api/orders, \(options.clients) concurrent clients, \(latencies.count) orders (one ticket each), fsync on")
print(String(format: "  p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   max %.1f ms   %.0f orders/s",
             figures.percentile(0.5), figures.percentile(0.9), figures.percentile(0.99), figures.sorted.last ?? 0, Double(latencies.count) / seconds))
for process in processes { await process.terminate() }
await redis.stop()
await postgres.stop()
