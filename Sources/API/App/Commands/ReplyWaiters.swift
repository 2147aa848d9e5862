import Synchronization

/// A service's answer to a command: an HTTP status and a JSON body, passed through to the client.
public struct ServiceReply: Sendable, Hashable {
    public let status: Int
    public let body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// Requests waiting for replies, by command id. A waiter is registered before its command is
/// sent, so a reply that arrives before the request starts waiting is kept for it, not lost.
/// Several requests may wait for one command (a retry with the same Idempotency-Key). A reply
/// may come twice (its notification, then its stream entry): the first answers, the second
/// finds no one waiting.
///
/// Time-outs are kept as deadlines and ended by one sweeper, not by a timer task per request.
/// It wakes at the earliest deadline it knows of, and at least every ``sweepInterval``: a wait
/// whose deadline comes before the sweeper's next look ends at most that much later than asked.
final class ReplyWaiters: Sendable {
    private enum Slot {
        /// Registered; the continuation is there once the request waits, with its deadline.
        /// `takesNotices`: a notification's copy of the reply (``ReplyNotice``) may answer it, not
        /// only the stream's. Any session on the database may `NOTIFY`, so a wait whose reply
        /// the API acts on (a sign-in's, which starts a session) takes it from the stream only.
        case waiting(CheckedContinuation<ServiceReply?, Never>?, deadline: ContinuousClock.Instant?, takesNotices: Bool)
        case arrived(ServiceReply)
    }

    private struct State {
        var nextToken = 0
        var slots: [String: [Int: Slot]] = [:]
        var sweeping = false
    }

    static let sweepInterval: Duration = .milliseconds(50)
    private let state = Mutex(State())

    /// Registers interest in command `id`; pass the token to ``wait(for:token:timeout:)``.
    /// `takingNotices`: a notification's copy of the reply may answer it.
    func register(_ id: String, takingNotices: Bool = false) -> Int {
        state.withLock { state in
            state.nextToken += 1
            state.slots[id, default: [:]][state.nextToken] = .waiting(nil, deadline: nil, takesNotices: takingNotices)
            return state.nextToken
        }
    }

    /// Hands `reply` to every request waiting for `id`; replies nobody waits for are dropped
    /// (their outcome stays readable from Postgres). `fromNotice`: it came by notification, so
    /// it goes only to the waits registered as taking those.
    func deliver(_ id: String, _ reply: ServiceReply, fromNotice: Bool = false) {
        let ready: [CheckedContinuation<ServiceReply?, Never>] = state.withLock { state in
            guard var slots = state.slots[id] else { return [] }
            var ready: [CheckedContinuation<ServiceReply?, Never>] = []
            for (token, slot) in slots {
                if case .waiting(let continuation, _, let takesNotices) = slot, takesNotices || !fromNotice {
                    if let continuation {
                        ready.append(continuation)
                        slots[token] = nil
                    } else {
                        slots[token] = .arrived(reply)
                    }
                }
            }
            state.slots[id] = slots.isEmpty ? nil : slots
            return ready
        }
        for continuation in ready { continuation.resume(returning: reply) }
    }

    /// The reply, or nil when `timeout` passes or the task is cancelled first.
    func wait(for id: String, token: Int, timeout: Duration) async -> ServiceReply? {
        let deadline = ContinuousClock.now + timeout
        startSweeping(firstDeadline: deadline)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ServiceReply?, Never>) in
                let early: ServiceReply?? = state.withLock { state in
                    switch state.slots[id]?[token] {
                    case .arrived(let reply):
                        Self.remove(id, token, from: &state)
                        return .some(reply)
                    case .waiting(_, _, let takesNotices):
                        state.slots[id]?[token] = .waiting(continuation, deadline: deadline, takesNotices: takesNotices)
                        return .none
                    case nil:
                        // Cancelled before it could wait.
                        return .some(nil)
                    }
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            finish(id, token: token)
        }
    }

    /// Starts the one sweeper, if it is not running: it ends waits past their deadline and
    /// stops once nobody waits. Its first look is at `firstDeadline`, the starting wait's.
    private func startSweeping(firstDeadline: ContinuousClock.Instant) {
        let start = state.withLock { state in
            defer { state.sweeping = true }
            return !state.sweeping
        }
        guard start else { return }
        Task { [weak self] in
            var wake = min(firstDeadline, .now + Self.sweepInterval)
            while let self, let next = await self.sweep(at: wake) { wake = next }
        }
    }

    /// Sleeps until `wake`, then ends the waits whose deadline passed. Returns when to look
    /// next (the earliest deadline left, at most ``sweepInterval`` away), or nil (and no longer
    /// sweeping) once nobody waits.
    private func sweep(at wake: ContinuousClock.Instant) async -> ContinuousClock.Instant? {
        try? await Task.sleep(until: wake, clock: .continuous)
        let now = ContinuousClock.now
        let (expired, next): ([CheckedContinuation<ServiceReply?, Never>], ContinuousClock.Instant?) = state.withLock { state in
            var expired: [CheckedContinuation<ServiceReply?, Never>] = []
            var more = false
            var next = now + Self.sweepInterval
            for (id, slots) in state.slots {
                for (token, slot) in slots {
                    guard case .waiting(let continuation, let deadline, _) = slot else { continue }
                    if let continuation, let deadline, deadline <= now {
                        expired.append(continuation)
                        Self.remove(id, token, from: &state)
                    } else {
                        more = true
                        if let deadline { next = min(next, deadline) }
                    }
                }
            }
            if !more { state.sweeping = false }
            return (expired, more ? next : nil)
        }
        for continuation in expired { continuation.resume(returning: nil) }
        return next
    }

    /// Stops waiting: the request (if it waits) gets nil.
    func finish(_ id: String, token: Int) {
        let continuation: CheckedContinuation<ServiceReply?, Never>? = state.withLock { state in
            let slot = state.slots[id]?[token]
            Self.remove(id, token, from: &state)
            if case .waiting(let continuation, _, _) = slot { return continuation }
            return nil
        }
        continuation?.resume(returning: nil)
    }

    /// How many requests are registered (for tests: nothing leaks).
    var count: Int { state.withLock { $0.slots.values.reduce(0) { $0 + $1.count } } }

    private static func remove(_ id: String, _ token: Int, from state: inout State) {
        state.slots[id]?[token] = nil
        if state.slots[id]?.isEmpty == true { state.slots[id] = nil }
    }
}
