import Contracts
import Foundation
import PostgresClient
import RedisClient

/// Fresh tickets in bulk, made the way the API makes them but without its round trip: each
/// CreateTicket command XADDed to the tickets command stream, as the seller, with no reply
/// stream (the tickets service then answers no one). Once the fleet has drained, the orders
/// service's replica holds them all, and their ids are read from it by the batch's title.
struct TicketStock {
    let redis: RedisClient
    let database: PostgresClient
    let keys: KeySpace
    let seller: String

    func make(_ count: Int) async throws -> [String] {
        let title = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let data = MessageCoding.encode(CreateTicket(title: title, priceCents: 2500))
        var made = 0
        while made < count {
            let batch = min(1000, count - made)
            let commands = (0..<batch).map { _ in
                var append = RedisCommand("XADD", keys.commands(CreateTicket.service), "*")
                for (name, value) in Envelope(type: CreateTicket.type, data: data, userID: seller).fields {
                    append.append(contentsOf: [name, value])
                }
                return append
            }
            for result in try await redis.pipeline(commands) { _ = try result.get() }
            made += batch
        }
        _ = try await Drain.wait(redis: redis, database: database, keys: keys)
        let rows = try await database.query("SELECT id FROM orders.tickets WHERE title = \(title)")
        return try rows.decodeColumn(UUID.self).map { $0.uuidString.lowercased() }
    }
}
