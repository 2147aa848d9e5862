import BenchmarkSupport
import Contracts
import Foundation
import RedisClient

/// One answered order as the load's client saw it, on the wall clock.
struct OrderTrace: Sendable {
    let ticket: String
    let sent: Date
    let answered: Date
}

/// Where a phase's orders spent their time, from four stamps on one machine's wall clock: the
/// client's send; the API's dispatch of the command (its id is a UUIDv7, whose first 48 bits
/// are the API's milliseconds); the orders worker's reply appended to the API's reply stream
/// (the entry id's milliseconds, Redis's clock); the client's answer. The two middle stamps
/// are whole milliseconds, so each part is within about a millisecond; its percentiles are
/// the part's own and do not add up to the whole's.
struct LatencySplit {
    /// Send → the API dispatched the command: HTTP, the session and the body's checks.
    let intake: Latencies
    /// Dispatch → reply appended: the admission script, the orders worker's read, transaction and settle.
    let service: Latencies
    /// Reply appended → answer: Redis's fsync of the settle, the API's reply reader, the HTTP answer.
    let reply: Latencies
    let orders: Int

    /// Joins `traces` with the replies still in the reply stream (it keeps the latest ones), by ticket.
    static func measure(_ traces: [OrderTrace], redis: RedisClient, keys: KeySpace) async throws -> LatencySplit? {
        let sent = Dictionary(traces.map { ($0.ticket, $0) }, uniquingKeysWith: { first, _ in first })
        var intake: [Double] = [], service: [Double] = [], reply: [Double] = []
        for stream in try await redis.scanAll(matching: keys.replies("*")) {
            for entry in try await redis.xrevrange(stream, count: traces.count) {
                guard entry["status"] == "201", let accepted = entry[EnvelopeField.id].flatMap(Self.milliseconds(ofTimeOrdered:)),
                      let appended = entry.id.split(separator: "-").first.flatMap({ Double($0) }),
                      let ticket = entry["body"].flatMap(Self.ticket(inOrder:)), let trace = sent[ticket]
                else { continue }
                // Whole milliseconds: the middle of each.
                let (dispatch, append) = (accepted + 0.5, appended + 0.5)
                intake.append(dispatch - trace.sent.timeIntervalSince1970 * 1000)
                service.append(append - dispatch)
                reply.append(trace.answered.timeIntervalSince1970 * 1000 - append)
            }
        }
        guard !intake.isEmpty else { return nil }
        return LatencySplit(intake: Latencies(intake), service: Latencies(service), reply: Latencies(reply), orders: intake.count)
    }

    func report() {
        say("  where the time went, the last \(orders) orders' stamps (ms, p50 / p90 / p99, each within about 1 ms):")
        for (label, part) in [("send → the API dispatched it", intake), ("dispatch → reply appended in Redis", service),
                              ("reply appended → answered", reply)] {
            say(String(format: "    %@: %.1f / %.1f / %.1f", label, part.percentile(0.5), part.percentile(0.9), part.percentile(0.99)))
        }
    }

    /// The milliseconds in a UUIDv7's first 48 bits.
    static func milliseconds(ofTimeOrdered text: String) -> Double? {
        let hex = text.replacingOccurrences(of: "-", with: "").prefix(12)
        return hex.count == 12 ? UInt64(hex, radix: 16).map { Double($0) } : nil
    }

    /// The ticket id in an order's JSON.
    static func ticket(inOrder body: String) -> String? {
        struct Order: Decodable {
            struct Ticket: Decodable { let id: String }
            let ticket: Ticket
        }
        return try? JSONDecoder().decode(Order.self, from: Data(body.utf8)).ticket.id
    }
}
