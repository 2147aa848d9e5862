// `POST /api/orders` through the whole fleet as deployed (Redis AOF with appendfsync always,
// Postgres with fsync and synchronous commit, release builds of the API and the five workers),
// beside a monolith doing the same order as one transaction on the same Postgres server.
//
//   swift build -c release && .build/release/order-load-bench [--clients 32] [--warmup 5] [--phase 30] [--max-rate 2000]
//   .build/release/order-load-bench --paced 1000 [--phase 30]    (one paced phase, beside the monolith paced alike)
//   .build/release/order-load-bench --soak 600 [--rate 150]     (memory soak: see Soak.swift)
//
// Every order is for a ticket of its own, so each request is a real reservation: XADD of the
// command, the orders worker's transaction, its reply, the HTTP answer, and then the events
// every other service consumes.

import BenchmarkSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

let options = { () -> Options in
    do { return try Options(Array(CommandLine.arguments.dropFirst())) } catch {
        say("\(error)")
        exit(2)
    }
}()
// Ctrl-C (and any failure below) leaves through exit(), whose handlers (TestSupport's
// cleanup) stop the fleet and both servers.
signal(SIGINT, SIG_IGN)
let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
interrupt.setEventHandler {
    say("interrupted: stopping the fleet and both servers")
    exit(130)
}
interrupt.resume()

do {
    let servers = try await Servers.start()
    if let seconds = options.soakSeconds {
        let fleet = try await Fleet.launch(on: servers, orderTTLSeconds: Soak.orderTTLSeconds)
        let client = HTTPClient(base: "http://127.0.0.1:\(fleet.port)", connections: options.clients)
        try await client.waitUntilReady()
        try await Soak(client: client, redisURL: servers.redis.url, processes: fleet.processes, clients: options.clients,
                       rate: options.rate, seconds: seconds).run()
        await fleet.stop()
    } else if let rate = options.pacedOnly {
        say("monolith: paced at \(rate)/s from \(options.clients) lanes, one transaction per order, "
              + "\(options.warmup) s warm-up, \(options.phase) s measured, on the same Postgres (fsync on)")
        let monolith = try await Monolith.run(on: servers.postgres, options: options, pacedAt: rate)
        let fleet = try await Fleet.launch(on: servers)
        try await StatementProfile.reset(fleet.databaseURL)
        let (results, idle, names) = try await FleetLoad(fleet: fleet, servers: servers, options: options).run()
        try await StatementProfile.report(fleet.databaseURL, orders: results.map(\.orders).reduce(0, +))
        await fleet.stop()
        Report.tables(monolith: monolith, fleet: results, idle: idle, names: names)
    } else {
        say("monolith: \(options.clients) clients, one transaction per order (BEGIN; SELECT ticket; INSERT order; COMMIT), "
              + "\(options.warmup) s warm-up, \(options.phase) s measured, on the same Postgres (fsync on)")
        let monolith = try await Monolith.run(on: servers.postgres, options: options)
        let fleet = try await Fleet.launch(on: servers)
        try await StatementProfile.reset(fleet.databaseURL)
        say("fleet: api + 5 workers (release), Redis AOF appendfsync always, \(options.clients) keep-alive connections, "
              + "\(options.phase) s phases; paced at \(Options.pacedFractions.map { "\(Int($0 * 100)) %" }.joined(separator: ", ")) of the unpaced peak")
        let (results, idle, names) = try await FleetLoad(fleet: fleet, servers: servers, options: options).run()
        try await StatementProfile.report(fleet.databaseURL, orders: results.map(\.orders).reduce(0, +))
        await fleet.stop()
        Report.tables(monolith: monolith, fleet: results, idle: idle, names: names)
    }
    await servers.stop()
} catch {
    say("order-load-bench failed: \(error)")
    exit(1)
}
