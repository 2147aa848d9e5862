import BenchmarkSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Every lane's connection driven from one thread, as `wrk` drives its connections: the sockets
/// under one `ppoll`, which also sleeps until the next paced order is due. A thread
/// per lane cost the client about four thread switches an order at 1,000 orders/s (its sleep
/// until the due time, its wait for the answer, each a switch on the cores the fleet runs on);
/// this costs about one wake-up per answer, and several when they come together.
struct MultiplexedLoad {
    enum Schedule {
        /// Each lane sends its next order as soon as the last is answered, from `start` until `end`.
        case closed(start: ContinuousClock.Instant, end: ContinuousClock.Instant)
        /// A free lane takes the next due order, so an order waits only while every lane is
        /// busy, and its latency counts that wait.
        case paced(PacedSchedule)

        var start: ContinuousClock.Instant {
            switch self {
            case .closed(let start, _): start
            case .paced(let schedule): schedule.start
            }
        }
    }

    /// A stuck answer fails its request after this long, as the blocking client's receive timeout did.
    static let answerTimeout: Duration = .seconds(60)

    let lanes: [Lane]
    let tickets: TicketQueue

    /// Runs `schedule` to its end and returns what it came to. The sockets stay blocking (the
    /// lanes use them so between phases); reads here do not wait (`MSG_DONTWAIT`).
    func run(_ schedule: Schedule) -> PhaseTally {
        var flights = lanes.map { Flight(lane: $0) }
        var tally = PhaseTally(start: schedule.start)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)  // where `recv` puts what it reads
        var sent = 0
        var pollSet = [pollfd](repeating: pollfd(), count: flights.count)
        while true {
            let now = ContinuousClock.now
            var nextDue: ContinuousClock.Instant?
            switch schedule {
            case .closed(_, let end):
                for index in flights.indices where flights[index].idle && now < end {
                    guard let ticket = tickets.take() else { tally.outOfTickets += 1; break }
                    send(&flights[index], ticket: ticket, due: now, paced: false, into: &tally)
                }
                if now >= end && flights.allSatisfy(\.idle) { return tally }
                if now < end { nextDue = end }
            case .paced(let schedule):
                if now >= schedule.giveUp && sent < schedule.total {
                    tally.unsent += schedule.total - sent
                    sent = schedule.total
                }
                var free = flights.indices.filter { flights[$0].idle }[...]
                while sent < schedule.total, let index = free.first {
                    let due = schedule.due(sent)
                    guard due <= now else { nextDue = due; break }
                    sent += 1
                    free = free.dropFirst()
                    guard let ticket = tickets.take() else { tally.outOfTickets += 1; continue }
                    send(&flights[index], ticket: ticket, due: due, paced: true, into: &tally)
                }
                if sent == schedule.total && flights.allSatisfy(\.idle) { return tally }
                nextDue = [nextDue, schedule.giveUp].compactMap { $0 }.min()
            }
            for index in flights.indices {
                let flight = flights[index]
                pollSet[index] = pollfd(fd: flight.idle ? -1 : flight.lane.connection.socket, events: Int16(POLLIN), revents: 0)
            }
            // Sleeps until an answer arrives or the next order is due; wakes at least once a
            // second to fail answers that never came.
            let wait = min(max((nextDue ?? now + .seconds(1)) - .now, .zero), .seconds(1))
            var timeout = timespec(tv_sec: Int(wait.components.seconds), tv_nsec: Int(wait.components.attoseconds / 1_000_000_000))
            let ready = ppoll(&pollSet, nfds_t(pollSet.count), &timeout, nil)
            if ready < 0 && errno != EINTR { fatalError("ppoll: \(String(cString: strerror(errno)))") }
            for index in flights.indices where !flights[index].idle {
                if pollSet[index].revents != 0 {
                    receive(&flights[index], into: &tally, buffer: &chunk)
                } else if ContinuousClock.now - flights[index].sentAt > Self.answerTimeout {
                    fail(&flights[index], into: &tally)
                }
            }
        }
    }

    /// One lane's order in flight and the bytes of its answer so far.
    struct Flight {
        let lane: Lane
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
        if paced { tally.recordLateness(due: due) }
        do {
            try flight.lane.connection.sendOnly("POST", "/api/orders", body: "{\"ticketId\":\"\(ticket)\"}", token: flight.lane.token)
            flight.idle = false
        } catch {
            tally.recordTransportError()
        }
    }

    /// Reads what has arrived; once the answer is whole, records it and frees the lane. An
    /// answer that cannot be framed fails like a lost connection: nothing after it could be read.
    private func receive(_ flight: inout Flight, into tally: inout PhaseTally, buffer: inout [UInt8]) {
        let socket = flight.lane.connection.socket
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                flight.received.append(contentsOf: buffer[0..<count])
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            return fail(&flight, into: &tally)  // closed by the server, or an error
        }
        let answer: (response: LeanConnection.Response, headLength: Int, bodyLength: Int)?
        do { answer = try LeanConnection.Response.head(of: flight.received) } catch { return fail(&flight, into: &tally) }
        guard let head = answer, flight.received.count >= head.headLength + head.bodyLength else { return }  // not all here yet
        if head.response.closes { flight.lane.connection.close() }
        if head.response.status == 201 { tally.traces.append(OrderTrace(ticket: flight.ticket, sent: flight.sentDate, answered: Date())) }
        tally.record(head.response.status, due: flight.due)
        flight.idle = true
    }

    private func fail(_ flight: inout Flight, into tally: inout PhaseTally) {
        flight.lane.connection.close()
        tally.recordTransportError()
        flight.idle = true
    }
}

/// `ppoll(2)`, whose timeout has nanoseconds where `poll`'s has milliseconds (a paced order is
/// due every millisecond at 1,000/s). Glibc declares it only for `_GNU_SOURCE`, which the
/// Swift module does not define, so it is looked up by name.
private let ppoll: @convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32 = {
    guard let symbol = dlsym(nil, "ppoll") else { fatalError("ppoll is not in the C library") }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32).self)
}()
