import BenchmarkSupport
import Foundation
import Synchronization

/// What one phase's requests came to: every answer counted by kind, none stopping the phase.
struct PhaseTally: Sendable {
    /// Milliseconds of every answered request (any status); paced phases count from the
    /// request's scheduled send time, so a backlog shows as latency (no coordinated omission).
    var latencies: [Double] = []
    /// Paced phases: milliseconds from each order's due time to its send, the part of its
    /// latency spent before the request left (every lane busy, or the client's thread woken late).
    var lateness: [Double] = []
    /// Each 201's ticket and wall-clock send and answer, for ``LatencySplit``.
    var traces: [OrderTrace] = []
    var created = 0
    /// 202: the orders service had not answered within the API's command timeout.
    var pending = 0
    var otherStatuses: [Int: Int] = [:]
    var transportErrors = 0
    /// Paced phases: requests still unsent when the phase ran to twice its length.
    var unsent = 0
    /// Requests not made because the stock of fresh tickets ran out (the stock is too small).
    var outOfTickets = 0
    var lastAnswer: ContinuousClock.Instant?
    /// The phase's start, and how many answers took longer than ``slowMilliseconds`` by the
    /// second of the phase they were due in: a stall shows as a run of such seconds.
    var start: ContinuousClock.Instant?
    var slowBySecond: [Int: Int] = [:]
    static let slowMilliseconds = 10.0

    var answered: Int { created + pending + otherStatuses.values.reduce(0, +) }

    /// An answer with `status`, just now, to a request due (or sent) at `due`: its latency runs from there.
    mutating func record(_ status: Int, due: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        let milliseconds = (now - due).seconds * 1000
        lastAnswer = now
        latencies.append(milliseconds)
        if milliseconds > Self.slowMilliseconds, let start { slowBySecond[Int((due - start).seconds), default: 0] += 1 }
        switch status {
        case 201: created += 1
        case 202: pending += 1
        default: otherStatuses[status, default: 0] += 1
        }
    }

    /// Paced phases: a request leaving now, due at `due`.
    mutating func recordLateness(due: ContinuousClock.Instant) {
        lateness.append((ContinuousClock.now - due).seconds * 1000)
    }

    /// A request that got no answer (the connection failed).
    mutating func recordTransportError() {
        transportErrors += 1
        lastAnswer = .now
    }

    static func merged(_ parts: [PhaseTally]) -> PhaseTally {
        var all = PhaseTally()
        for part in parts {
            all.latencies += part.latencies
            all.lateness += part.lateness
            all.traces += part.traces
            all.created += part.created
            all.pending += part.pending
            all.otherStatuses.merge(part.otherStatuses, uniquingKeysWith: +)
            all.transportErrors += part.transportErrors
            all.unsent += part.unsent
            all.outOfTickets += part.outOfTickets
            all.lastAnswer = [all.lastAnswer, part.lastAnswer].compactMap { $0 }.max()
            all.start = all.start ?? part.start
            all.slowBySecond.merge(part.slowBySecond, uniquingKeysWith: +)
        }
        return all
    }
}

/// 0, 1, 2, … across threads.
final class Counter: Sendable {
    private let value = Atomic(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// Fresh tickets handed out once each, across threads.
final class TicketQueue: Sendable {
    private let ids: [String]
    private let counter = Counter()

    init(_ ids: [String]) { self.ids = ids }

    func take() -> String? {
        let index = counter.next()
        return index < ids.count ? ids[index] : nil
    }
}

/// A paced phase's schedule, the same for every client: order `i` is due at `start + i / rate`;
/// what is still unsent at `giveUp`, twice the phase's length, is counted unsent.
struct PacedSchedule: Sendable {
    let start: ContinuousClock.Instant
    let rate: Double
    let total: Int
    let giveUp: ContinuousClock.Instant

    /// `seconds` of orders at `rate`, starting 50 ms from now.
    init(rate: Double, seconds: Double) {
        start = .now + .milliseconds(50)
        self.rate = rate
        total = Int(rate * seconds)
        giveUp = start + .seconds(2 * seconds)
    }

    func due(_ step: Int) -> ContinuousClock.Instant { start + .seconds(Double(step) / rate) }
}

/// One buyer per connection: its sign-up goes over the connection, then its orders do (see
/// ``MultiplexedLoad``).
final class Lane: @unchecked Sendable {
    let token: String
    let connection: LeanConnection

    /// Signs up a buyer of its own over the lane's connection.
    init(label: String, port: Int) throws {
        connection = LeanConnection(port: port)
        token = try Account.signUp(label, over: connection).token
    }
}

enum Load {
    /// Unpaced: every lane sends its next order as soon as the last is answered, until `seconds` are up.
    static func closed(_ lanes: [Lane], tickets: TicketQueue, seconds: Double) async -> (PhaseTally, ContinuousClock.Instant) {
        let start = ContinuousClock.now
        return (await multiplexed(lanes, tickets, .closed(start: start, end: start + .seconds(seconds))), start)
    }

    /// Paced: order `i` is due at start + i / rate; whichever lane is free takes the next due
    /// order, so an order waits only when every lane is busy, and its latency counts that wait.
    static func paced(_ lanes: [Lane], tickets: TicketQueue, rate: Double, seconds: Double) async -> (PhaseTally, ContinuousClock.Instant) {
        let schedule = PacedSchedule(rate: rate, seconds: seconds)
        return (await multiplexed(lanes, tickets, .paced(schedule)), schedule.start)
    }

    /// The lanes' orders from one thread of the bench's own: the loop blocks in `ppoll`, which
    /// must not happen on the Swift concurrency pool.
    private static func multiplexed(_ lanes: [Lane], _ tickets: TicketQueue, _ schedule: MultiplexedLoad.Schedule) async -> PhaseTally {
        await onThreads(1) { _ in MultiplexedLoad(lanes: lanes, tickets: tickets).run(schedule) }[0]
    }

    /// The monolith's schedule, alike: `order` places one order from lane `lane`'s thread (the
    /// monolith is the application, a thread per connection) and records it into the tally,
    /// its latency counted from `due`.
    static func paced(
        lanes: Int, tickets: TicketQueue, rate: Double, seconds: Double,
        order: @escaping @Sendable (_ lane: Int, _ ticket: String, _ due: ContinuousClock.Instant, _ tally: inout PhaseTally) -> Void
    ) async -> (PhaseTally, ContinuousClock.Instant) {
        let schedule = PacedSchedule(rate: rate, seconds: seconds)
        let next = Counter()
        let parts = await onThreads(lanes) { index in
            var tally = PhaseTally(start: schedule.start)
            while true {
                let step = next.next()
                guard step < schedule.total else { break }
                let due = schedule.due(step)
                let wait = (due - .now).seconds
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                guard ContinuousClock.now < schedule.giveUp else { tally.unsent += 1; continue }
                guard let ticket = tickets.take() else { tally.outOfTickets += 1; continue }
                tally.recordLateness(due: due)
                order(index, ticket, due, &tally)
            }
            return tally
        }
        return (PhaseTally.merged(parts), schedule.start)
    }
}
