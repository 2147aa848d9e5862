import BenchmarkSupport
import Contracts
import Foundation
import PostgresClient
import RedisClient

/// The fleet's phases: a warm-up, an unpaced closed loop for its peak, then paced open loops
/// at fractions of that peak. Every order is for a fresh ticket, stocked before the phases.
struct FleetLoad {
    let fleet: Fleet
    let servers: Servers
    let options: Options

    func run() async throws -> (results: [PhaseResult], idle: IdleCost, names: [String]) {
        let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: servers.redis.url))
        let database = PostgresClient(configuration: try PostgresConfiguration(fleet.databaseURL, poolSize: 1, applicationName: "order-load-bench"))
        let keys = KeySpace()
        let drain = { try await Drain.wait(redis: redis, database: database, keys: keys) }
        try await Account.waitUntilReady(port: fleet.port)

        // Sign-ups are slow (bcrypt) and each lane's belongs on its own connection: in parallel.
        let port = fleet.port
        let seller = try Account.signUp("seller", over: LeanConnection(port: port))
        let lanes = try await onThreads(options.clients) { index in Result { try Lane(label: "buyer\(index)", port: port) } }
            .map { try $0.get() }
        let redisPID = try await redis.info("server")["process_id"].flatMap { pid_t($0) } ?? -1
        let processes = try await ProcessSet.find(
            fleet: fleet.processes.map { ($0.name, $0.pid) } + [("redis-server", redisPID)], database: database)
        let meter = Meter(processes: processes, database: database, redis: redis)
        let stock = TicketStock(redis: redis, database: database, keys: keys, seller: seller.id)

        let phase = Double(options.phase)
        var results: [PhaseResult] = []
        if let rate = options.pacedOnly.map(Double.init) {
            let tickets = TicketQueue(try await stocked(stock, (options.warmup + options.phase) * Int(rate) + 1))
            say("warm-up: \(options.warmup) s paced at \(Int(rate))/s (not counted)")
            _ = await Load.paced(lanes, tickets: tickets, rate: rate, seconds: Double(options.warmup))
            _ = try await drain()
            results.append(try await split(meter.measure("paced \(Int(rate))/s", target: rate, load: {
                await Load.paced(lanes, tickets: tickets, rate: rate, seconds: phase)
            }, drain: drain), redis: redis, keys: keys))
        } else {
            let unpacedTickets = TicketQueue(try await stocked(stock, (options.warmup + options.phase) * options.maxRate))
            say("warm-up: \(options.warmup) s unpaced at \(options.clients) connections (not counted)")
            _ = await Load.closed(lanes, tickets: unpacedTickets, seconds: Double(options.warmup))
            _ = try await drain()
            results.append(try await split(meter.measure("unpaced", load: {
                await Load.closed(lanes, tickets: unpacedTickets, seconds: phase)
            }, drain: drain), redis: redis, keys: keys))

            let rates = Options.pacedFractions.map { $0 * results[0].ordersPerSecond }
            let pacedTickets = TicketQueue(try await stocked(stock, rates.map { Int($0 * phase) + 1 }.reduce(0, +)))
            for (index, (fraction, rate)) in zip(Options.pacedFractions, rates).enumerated() {
                results.append(try await split(meter.measure("paced \(Int(fraction * 100)) %", target: rate, settleFirst: index == 0, load: {
                    await Load.paced(lanes, tickets: pacedTickets, rate: rate, seconds: phase)
                }, drain: drain), redis: redis, keys: keys))
            }
        }
        let idle = try await IdleCost.measure(meter)
        await database.close()
        await redis.shutdown()
        return (results, idle, processes.names)
    }

    /// Says where the phase's latest orders spent their time (see ``LatencySplit``), then hands the phase on.
    private func split(_ result: PhaseResult, redis: RedisClient, keys: KeySpace) async throws -> PhaseResult {
        try await LatencySplit.measure(result.tally.traces, redis: redis, keys: keys)?.report()
        return result
    }

    /// Makes `count` tickets and says how fast the fleet took them in.
    private func stocked(_ stock: TicketStock, _ count: Int) async throws -> [String] {
        let start = ContinuousClock.now
        let tickets = try await stock.make(count)
        let seconds = (ContinuousClock.now - start).seconds
        say(String(format: "stocked %d fresh tickets in %.1f s (%.0f/s, XADD → the orders service's replica)", tickets.count, seconds, Double(tickets.count) / seconds))
        guard tickets.count == count else { throw BenchmarkError("asked for \(count) tickets, the replica has \(tickets.count)") }
        // As the monolith's stock is: a bulk load is vacuumed and analysed before use, or
        // autovacuum does it in the phase. What the load itself leaves is autovacuum's, in the phase.
        try await stock.database.query("VACUUM ANALYZE")
        WriteBackWatch.flushSetup("stock and the run before it")
        return tickets
    }
}
