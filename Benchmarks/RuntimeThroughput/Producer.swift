import Contracts
import Foundation
import RedisClient

/// Writes `bench:set` envelopes to the input stream, as an API or another service would.
struct Producer {
    let redis: RedisClient
    let stream: String

    /// XADDs `count` messages, pipelined 1,000 at a time. Every one is stamped before any is
    /// handled, so their latency is mostly time spent queued.
    func preload(_ count: Int) async throws {
        var sent = 0
        while sent < count {
            let next = min(count, sent + 1_000)
            try await send(sent..<next)
            sent = next
        }
    }

    /// XADDs `rate` messages a second for `duration`, each stamped when it is sent, in small
    /// bursts every half millisecond (a sleep is too coarse to send them one by one).
    /// Returns how many it sent.
    func paced(rate: Int, for duration: Duration) async throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        let total = Int(Double(rate) * duration.seconds)
        var sent = 0
        while sent < total {
            let due = min(total, Int((clock.now - started).seconds * Double(rate)) + 1)
            if due > sent {
                try await send(sent..<due)
                sent = due
            }
            try await Task.sleep(for: .microseconds(500))
        }
        return total
    }

    private func send(_ numbers: Range<Int>) async throws {
        let now = Date()
        let commands = numbers.map { number in
            let envelope = Envelope(type: Bench.messageType, data: #"{"n":\#(number)}"#, occurredAt: now)
            var command = RedisCommand("XADD", stream, "*")
            for (name, value) in envelope.fields { command.append(contentsOf: [name, value]) }
            return command
        }
        for case .failure(let error) in try await redis.pipeline(commands) { throw error }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
