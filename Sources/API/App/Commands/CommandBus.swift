import Contracts
import Foundation
import Metrics
import RedisClient

/// What became of a command within the wait: its reply, or still pending (poll its id).
enum CommandOutcome: Sendable {
    case replied(ServiceReply)
    case pending(UUID)
}

/// Who sent a command that was still pending when its request answered 202, and what it was,
/// kept in Redis for a day so that polling its outcome answers only the user who sent it.
struct CommandRecord: Codable, Sendable, Hashable {
    static let anonymous = "anonymous"
    /// The sender's user id, or ``anonymous``.
    var user: String
    var type: String
}

/// Sends commands to the owning service's stream and waits (bounded) for the reply that the
/// ``ReplyReader`` hands over.
struct CommandBus: Sendable {
    let redis: RedisClient
    let keys: KeySpace
    let replyStream: String
    let waiters: ReplyWaiters
    let timeout: Duration
    let roundTrips = CommandRoundTrips()

    /// Appends the command (user id from the verified session only) and waits up to the
    /// timeout for its reply. Only a command still pending then is remembered with its sender
    /// (``CommandRecord``, for ``KeySpace/commandKeyLifetimeSeconds``), since only a 202 is
    /// ever polled: a command answered within the wait leaves no key behind.
    /// `sentBefore`: the id comes from an Idempotency-Key, so the command may have been sent
    /// (and given up on) before; a fresh id cannot have been.
    func send<C: Command>(_ command: C, id: UUID, session: Session?, sentBefore: Bool = false) async throws -> CommandOutcome {
        let idText = id.uuidString.lowercased()
        let envelope = Envelope(
            id: id, type: C.type, data: MessageCoding.encode(command),
            correlationID: idText, userID: session?.userID, replyTo: replyStream)
        var append = RedisCommand("XADD", keys.commands(C.service), "*")
        for (name, value) in envelope.fields { append.append(contentsOf: [name, value]) }
        // Sent again (the same Idempotency-Key) after the service gave up on it: pending anew.
        let writes = sentBefore ? [RedisCommand("DEL", keys.commandFailure(idText)), append] : [append]

        let started = ContinuousClock.now
        // Registered first: the reply may come back before this task gets to wait.
        let token = waiters.register(idText)
        do {
            for result in try await redis.pipeline(writes) { _ = try result.get() }
        } catch {
            waiters.finish(idText, token: token)
            throw error
        }
        let reply = await waiters.wait(for: idText, token: token, timeout: timeout)
        roundTrips.record(ContinuousClock.now - started, service: C.service, replied: reply != nil)
        if let reply { return .replied(reply) }
        // Written before the 202 goes out, so the poll it invites always finds it.
        let record = CommandRecord(user: session?.userID ?? CommandRecord.anonymous, type: C.type)
        _ = try await redis.set(recordKey(idText), MessageCoding.encode(record), expireAfter: .seconds(KeySpace.commandKeyLifetimeSeconds))
        return .pending(id)
    }

    /// The sender and type of command `id`, while it is remembered.
    func record(of id: UUID) async throws -> CommandRecord? {
        guard let text = try await redis.getString(recordKey(id.uuidString.lowercased())) else { return nil }
        return try? MessageCoding.decode(CommandRecord.self, from: text)
    }

    /// The final reply to command `id` if its service gave up on it (see ``GivenUpCommand``).
    func failure(of id: UUID) async throws -> ServiceReply? {
        try await redis.getString(keys.commandFailure(id.uuidString.lowercased()))
            .map { ServiceReply(status: GivenUpCommand.status, body: $0) }
    }

    private func recordKey(_ id: String) -> String { keys.commandOwner(id) }
}

/// `api_command_duration_seconds` by service and outcome, made once rather than looked up in
/// the metrics registry for every command.
struct CommandRoundTrips: Sendable {
    private let timers: [ServiceName: (replied: Timer, pending: Timer)]

    init() {
        func timer(_ service: ServiceName, _ outcome: String) -> Timer {
            Timer(label: "api_command_duration_seconds", dimensions: [("service", service.rawValue), ("outcome", outcome)])
        }
        timers = Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0, (timer($0, "replied"), timer($0, "pending"))) })
    }

    /// `replied`: the reply came within the wait; otherwise the request answered 202.
    func record(_ duration: Duration, service: ServiceName, replied: Bool) {
        guard let timers = timers[service] else { return }
        (replied ? timers.replied : timers.pending).record(duration: duration)
    }
}
