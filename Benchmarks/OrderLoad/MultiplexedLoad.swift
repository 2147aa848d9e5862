import BenchmarkSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Every lane's connection driven from one thread, as `wrk` drives its connections: the sockets
/// non-blocking under one `ppoll`, which also sleeps until the next paced order is due. A thread
/// per lane cost the client about four thread switches an order at 1,000 orders/s (its sleep
/// until the due time, its wait for the answer, each a switch on the cores the fleet runs on);
/// this costs about one wake-up per answer, and several when they come together.
struct MultiplexedLoad {
    enum Schedule {
        /// Each lane sends its next order as soon as the last is answered, until `end`.
        case closed(end: ContinuousClock.Instant)
        /// Order `i` is due at `start + i / rate`; a free lane takes the next due order, so an
        /// order waits only while every lane is busy, and its latency counts that wait.
        case paced(start: ContinuousClock.Instant, rate: Double, total: Int, giveUp: ContinuousClock.Instant)
    }

    /// A stuck answer fails its request after this long, as the blocking client's receive timeout did.
    static let answerTimeout: Duration = .seconds(60)

    let lanes: [Lane]
    let tickets: TicketQueue

    init(lanes: [Lane], tickets: TicketQueue) {
        self.lanes = lanes
        self.tickets = tickets
    }

    /// Where `recv` puts what it reads, one for the run.
    private let chunk = ReadBuffer()

    /// Runs `schedule` to its end and returns what it came to. The sockets stay blocking (the
    /// lanes use them so between phases); reads here do not wait (`MSG_DONTWAIT`).
    func run(_ schedule: Schedule, start: ContinuousClock.Instant) -> PhaseTally {
        var flights = lanes.map { Flight(lane: $0) }
        var tally = PhaseTally(start: start)
        var sent = 0
        var pollSet = [pollfd](repeating: pollfd(), count: flights.count)
        while true {
            let now = ContinuousClock.now
            var nextDue: ContinuousClock.Instant?
            switch schedule {
            case .closed(let end):
                for index in flights.indices where flights[index].idle && now < end {
                    guard let ticket = tickets.take() else { tally.outOfTickets += 1; break }
                    send(&flights[index], ticket: ticket, due: now, paced: false, into: &tally)
                }
                if now >= end && flights.allSatisfy(\.idle) { return tally }
                if now < end { nextDue = end }
            case .paced(let start, let rate, let total, let giveUp):
                if now >= giveUp && sent < total {
                    tally.unsent += total - sent
                    sent = total
                }
                var free = flights.indices.filter { flights[$0].idle }[...]
                while sent < total, let index = free.first {
                    let due = start + .seconds(Double(sent) / rate)
                    guard due <= now else { nextDue = due; break }
                    sent += 1
                    free = free.dropFirst()
                    guard let ticket = tickets.take() else { tally.outOfTickets += 1; continue }
                    send(&flights[index], ticket: ticket, due: due, paced: true, into: &tally)
                }
                if sent == total && flights.allSatisfy(\.idle) { return tally }
                if sent < total, nextDue == nil, !free.isEmpty { nextDue = start + .seconds(Double(sent) / rate) }
                nextDue = [nextDue, giveUp].compactMap { $0 }.min()
            }
            for index in flights.indices {
                let flight = flights[index]
                pollSet[index] = pollfd(fd: flight.idle ? -1 : flight.socket, events: Int16(POLLIN), revents: 0)
            }
            // Sleeps until an answer arrives or the next order is due; wakes at least once a
            // second to fail answers that never came.
            let wait = min(max((nextDue ?? now + .seconds(1)) - .now, .zero), .seconds(1))
            var timeout = timespec(tv_sec: Int(wait.components.seconds), tv_nsec: Int(wait.components.attoseconds / 1_000_000_000))
            let ready = ppoll(&pollSet, nfds_t(pollSet.count), &timeout, nil)
            if ready < 0 && errno != EINTR { fatalError("ppoll: \(String(cString: strerror(errno)))") }
            for index in flights.indices where !flights[index].idle {
                if pollSet[index].revents != 0 {
                    receive(&flights[index], into: &tally)
                } else if ContinuousClock.now - flights[index].sentAt > Self.answerTimeout {
                    fail(&flights[index], into: &tally)
                }
            }
        }
    }

    /// One lane's order in flight and the bytes of its answer so far.
    struct Flight {
        let lane: Lane
        var socket: Int32 = -1
        var ticket = ""
        var due = ContinuousClock.now
        var sentAt = ContinuousClock.now
        var sentDate = Date()
        var idle = true
        var received: [UInt8] = []

        init(lane: Lane) { self.lane = lane }
    }

    private func send(_ flight: inout Flight, ticket: String, due: ContinuousClock.Instant, paced: Bool, into tally: inout PhaseTally) {
        flight.ticket = ticket
        flight.due = due
        flight.sentAt = .now
        flight.sentDate = Date()
        flight.received.removeAll(keepingCapacity: true)
        if paced { tally.lateness.append((flight.sentAt - due).seconds * 1000) }
        do {
            flight.socket = try flight.lane.connection.sendOnly("POST", "/api/orders", body: "{\"ticketId\":\"\(ticket)\"}", token: flight.lane.token)
            flight.idle = false
        } catch {
            tally.recordTransportError()
        }
    }

    /// Reads what has arrived; once the answer is whole, records it and frees the lane.
    private func receive(_ flight: inout Flight, into tally: inout PhaseTally) {
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(flight.socket, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                flight.received.append(contentsOf: chunk.prefix(count))
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            return fail(&flight, into: &tally)  // closed by the server, or an error
        }
        guard let answer = AnswerHead(flight.received) else { return }  // the head is not all here yet
        guard flight.received.count >= answer.total else { return }
        if answer.closes { flight.lane.connection.close() }
        if answer.status == 201 { tally.traces.append(OrderTrace(ticket: flight.ticket, sent: flight.sentDate, answered: Date())) }
        tally.record(answer.status, due: flight.due)
        flight.idle = true
    }

    private func fail(_ flight: inout Flight, into tally: inout PhaseTally) {
        flight.lane.connection.close()
        tally.recordTransportError()
        flight.idle = true
    }
}

/// 16 KB for `recv`, allocated once.
final class ReadBuffer {
    private var bytes = [UInt8](repeating: 0, count: 16 * 1024)

    func withUnsafeMutableBytes<T>(_ body: (UnsafeMutableRawBufferPointer) -> T) -> T { bytes.withUnsafeMutableBytes(body) }
    func prefix(_ count: Int) -> ArraySlice<UInt8> { bytes[0..<count] }
}

/// The status and length of an answer whose head has arrived: every API answer carries a
/// `Content-Length` (a 204 or 304 needs none).
struct AnswerHead {
    let status: Int
    /// Head and body, in bytes.
    let total: Int
    let closes: Bool

    init?(_ bytes: [UInt8]) {
        guard let end = bytes.firstRange(of: [13, 10, 13, 10])?.lowerBound else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).lowercased().split(separator: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        // Not an HTTP status line: counted under its own status, 0, among the other answers.
        let status = parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
        func header(_ name: String) -> Substring? {
            lines.dropFirst().first { $0.hasPrefix(name + ":") }?.dropFirst(name.count + 1).drop { $0 == " " }
        }
        self.status = status
        total = end + 4 + (header("content-length").flatMap { Int($0) } ?? 0)
        closes = header("connection") == "close"
    }
}

/// `ppoll(2)`, whose timeout has nanoseconds where `poll`'s has milliseconds (a paced order is
/// due every millisecond at 1,000/s). Glibc declares it only for `_GNU_SOURCE`, which the
/// Swift module does not define, so it is looked up by name.
private let ppoll: @convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32 = {
    guard let symbol = dlsym(nil, "ppoll") else { fatalError("ppoll is not in the C library") }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32).self)
}()
