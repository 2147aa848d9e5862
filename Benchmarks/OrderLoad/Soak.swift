import BenchmarkSupport
import Foundation
import RedisClient
import Synchronization
import TestSupport

/// The memory soak: the whole fleet at a steady rate of purchases for a long while, sampling
/// Redis's `used_memory` and every process's resident memory every ten seconds.
///
/// Each purchase is a ticket listed, an order for a ticket listed a second before (so the
/// orders service knows it), and for every other order a payment; the unpaid half expire
/// after ``orderTTLSeconds``, so the expiration schedule, reservations and releases reach
/// their steady state within the first minute too. After that minute nothing in the fleet
/// should grow: retention trims every stream, a command answered at once leaves no key.
struct Soak {
    static let orderTTLSeconds = 20
    static let sampleEvery: Duration = .seconds(10)

    let client: HTTPClient
    let redisURL: String
    let processes: [ChildProcess]
    let clients: Int
    let rate: Int
    let seconds: Int

    struct Sample {
        let second: Int
        let usedMemoryMB: Double
        let rssMB: [Double]
        let purchases: Int
        let failures: Int
    }

    func run() async throws {
        let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: redisURL))
        let redisPID = try await redis.info("server")["process_id"].flatMap { pid_t($0) } ?? -1
        let seller = try await client.signUp("seller")
        var buyers: [String] = []
        for index in 0..<clients { buyers.append(try await client.signUp("buyer\(index)")) }
        let tally = Tally()
        print("soak: \(rate) purchases/s (list, order, pay every other) for \(seconds) s, orders expire after \(Self.orderTTLSeconds) s; Redis AOF always, Postgres fsync on")
        let names = processes.map(\.name) + ["redis-server"]
        print(Table.label("t (s)", 7) + Table.cell("used_memory MB", 15) + names.map { Table.cell($0, max($0.count, 8) + 2) }.joined()
              + Table.cell("purchases", 11) + Table.cell("failed", 8))

        let start = ContinuousClock.now
        let total = rate * seconds
        let buyerTokens = buyers
        // Lanes stop between steps when told: cancelling a request in flight trips
        // FoundationNetworking on Linux.
        let stopping = StopFlag()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<clients {
                    group.addTask {
                        var listed: [(ticket: String, at: ContinuousClock.Instant)] = []
                        for step in stride(from: lane, to: total, by: clients) where !stopping.isSet {
                            // Paced by schedule: a late step goes at once, an early one waits.
                            let due = start + .seconds(Double(step) / Double(rate))
                            if due > .now { try await Task.sleep(until: due, clock: .continuous) }
                            // A failed request is counted, not fatal: the soak is about memory over time.
                            let succeeded = (try? await purchase(step: step, seller: seller, buyer: buyerTokens[lane], listed: &listed)) ?? false
                            await tally.record(succeeded)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var samples: [Sample] = []
        while true {
            let elapsed = Int((ContinuousClock.now - start).seconds.rounded())
            let memory = try await redis.info("memory")["used_memory"].flatMap(Double.init) ?? .nan
            let rss = (processes.map(\.pid) + [redisPID]).map { ProcessStats.megabytes($0) ?? .nan }
            let (done, failed) = await tally.counts
            let sample = Sample(second: elapsed, usedMemoryMB: memory / 1_048_576, rssMB: rss, purchases: done, failures: failed)
            samples.append(sample)
            print(Table.label(String(elapsed), 7) + Table.cell(sample.usedMemoryMB, 15)
                  + zip(names, rss).map { Table.cell($0.1, max($0.0.count, 8) + 2) }.joined()
                  + Table.cell(String(done), 11) + Table.cell(String(failed), 8))
            if elapsed >= seconds { break }
            try await Task.sleep(for: Self.sampleEvery)
        }
        stopping.set()
        _ = await load.result
        report(samples, names: names)
        await redis.shutdown()
    }

    /// Lists a ticket, orders one listed at least a second ago, and pays every other order.
    private func purchase(step: Int, seller: String, buyer: String, listed: inout [(ticket: String, at: ContinuousClock.Instant)]) async throws -> Bool {
        listed.append((try await client.createTicket(seller), .now))
        guard let ready = listed.first, ContinuousClock.now - ready.at >= .seconds(1) else { return true }
        listed.removeFirst()
        let (status, body, _) = try await client.send("POST", "/api/orders", json: ["ticketId": ready.ticket], token: buyer)
        guard status == 201, let order = body["id"] as? String else { return false }
        guard step % 2 == 0 else { return true }
        // The payments service learns of the order from order:created a moment after the 201:
        // until then it answers 404, and a client tries again.
        for _ in 0..<50 {
            let (paid, _, _) = try await client.send("POST", "/api/payments", json: ["orderId": order, "token": "tok_visa"], token: buyer)
            if paid != 404 { return paid == 201 }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// The verdict after the first minute: Redis's memory within ±10 % of its mean, and each
    /// process's resident memory from the first to the last sample.
    private func report(_ samples: [Sample], names: [String]) {
        let steady = samples.filter { $0.second >= 60 }
        guard let first = steady.first, let last = steady.last else {
            print("too short for a verdict: the first minute is warm-up")
            return
        }
        let memory = steady.map(\.usedMemoryMB)
        let mean = memory.reduce(0, +) / Double(memory.count)
        let low = (memory.min()! / mean - 1) * 100
        let high = (memory.max()! / mean - 1) * 100
        print(String(format: "after the first minute: Redis used_memory mean %.1f MB, from %+.1f %% to %+.1f %% of it (target ±10 %%): %@",
                     mean, low, high, (low >= -10 && high <= 10) ? "met" : "MISSED"))
        let growth = zip(names, zip(first.rssMB, last.rssMB)).map { String(format: "%@ %+.1f MB", $0.0, $0.1.1 - $0.1.0) }
        print("resident memory from t=\(first.second) s to t=\(last.second) s: " + growth.joined(separator: ", "))
        print("purchases: \(last.purchases) done, \(last.failures) failed")
    }
}

/// Purchases done and failed, counted across the load's tasks.
actor Tally {
    private var done = 0
    private var failed = 0

    func record(_ succeeded: Bool) {
        if succeeded { done += 1 } else { failed += 1 }
    }

    var counts: (Int, Int) { (done, failed) }
}

/// Set once, read by every lane.
final class StopFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
