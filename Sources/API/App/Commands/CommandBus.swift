import Contracts
import Foundation
import Metrics
import PasswordSeal
import RedisClient

/// What became of a command within the wait: its reply, or still pending (poll its id; an
/// anonymous command's poll also needs its ``PollKey``).
enum CommandOutcome: Sendable {
    case replied(ServiceReply)
    case pending(UUID, pollKey: String?)
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
    /// The channel this instance's ``ReplyNoticeListener`` listens on, or nil when replies
    /// come only by the stream.
    let replyNotify: String?
    let waiters: ReplyWaiters
    let timeout: Duration
    /// Seals passwords: every command's payload is made by it.
    let sealer: PasswordSealer
    let security: SecurityMetrics
    let roundTrips = CommandRoundTrips()

    /// Appends the command (user id from the verified session only) and waits up to the
    /// timeout for its reply. Only a command still pending then is remembered with its sender
    /// (``CommandRecord``, for ``KeySpace/commandKeyLifetimeSeconds``), since only a 202 is
    /// ever polled: a command answered within the wait leaves no key behind. An anonymous one
    /// also gets a ``PollKey``: only its hash is kept, the key goes to the client.
    /// `sentBefore`: the id comes from an Idempotency-Key, so the command may have been sent
    /// (and given up on) before; a fresh id cannot have been. `admission`: the command's rate
    /// limits and revocation check, run in the same script as the append (one round trip);
    /// refused, it throws and nothing is appended.
    func send<C: Command>(
        _ command: C, id: UUID, session: Session?, sentBefore: Bool = false, admission: CommandLimits.Check? = nil
    ) async throws -> CommandOutcome {
        let idText = id.lowercasedString
        let notify = Self.takesNotices(C.service) ? replyNotify : nil
        let envelope = Envelope(
            id: id, type: C.type, data: try sealer.payload(command, id: idText),
            correlationID: idText, userID: session?.userID, replyTo: replyStream, replyNotify: notify)
        let stream = keys.commands(C.service)
        // Sent again (the same Idempotency-Key) after the service gave up on it: pending anew.
        let failure = sentBefore ? keys.commandFailure(idText) : nil

        let started = ContinuousClock.now
        // Registered first: the reply may come back before this task gets to wait.
        let token = waiters.register(idText, takingNotices: notify != nil)
        do {
            if let admission {
                try await admission.run(on: redis, appending: envelope.fields, to: stream, clearing: failure)
            } else {
                var append = RedisCommand("XADD", stream, "*")
                for (name, value) in envelope.fields { append.append(contentsOf: [name, value]) }
                let writes = [failure.map { RedisCommand("DEL", $0) }, append].compactMap { $0 }
                for result in try await redis.pipeline(writes) { _ = try result.get() }
            }
        } catch {
            waiters.finish(idText, token: token)
            throw error
        }
        let reply = await waiters.wait(for: idText, token: token, timeout: timeout)
        roundTrips.record(ContinuousClock.now - started, service: C.service, replied: reply != nil)
        if let reply {
            security.record(reply, type: C.type)
            return .replied(reply)
        }
        // Written before the 202 goes out, so the poll it invites always finds it.
        let record = CommandRecord(user: session?.userID ?? CommandRecord.anonymous, type: C.type)
        var remember = [RedisCommand(
            "SET", recordKey(idText), MessageCoding.encode(record), "EX", String(KeySpace.commandKeyLifetimeSeconds))]
        let pollKey = session == nil ? PollKey.make() : nil
        if let pollKey {
            remember.append(RedisCommand(
                "SET", keys.commandPoll(idText, keyHash: PollKey.hash(pollKey)), "1", "EX", String(PollKey.lifetimeSeconds)))
        }
        for result in try await redis.pipeline(remember) { _ = try result.get() }
        return .pending(id, pollKey: pollKey)
    }

    /// Whether a service's replies may come by notification. Not the auth service's: the API
    /// starts a session on its word, and any session on the database can send a notification,
    /// while only a worker can write to a reply stream.
    static func takesNotices(_ service: ServiceName) -> Bool { service != .auth }

    /// Whether `pollKey` is the live poll key of anonymous command `id`.
    func holdsPollKey(_ pollKey: String, of id: UUID) async throws -> Bool {
        try await redis.send(RedisCommand("EXISTS", pollKeyKey(pollKey, id))).int == 1
    }

    /// Spends `pollKey`: true for exactly one caller, and only if it was command `id`'s.
    func spendPollKey(_ pollKey: String, of id: UUID) async throws -> Bool {
        try await redis.send(RedisCommand("DEL", pollKeyKey(pollKey, id))).int == 1
    }

    private func pollKeyKey(_ pollKey: String, _ id: UUID) -> String {
        keys.commandPoll(id.lowercasedString, keyHash: PollKey.hash(pollKey))
    }

    /// The sender and type of command `id`, while it is remembered.
    func record(of id: UUID) async throws -> CommandRecord? {
        guard let text = try await redis.getString(recordKey(id.lowercasedString)) else { return nil }
        return try? MessageCoding.decode(CommandRecord.self, from: text)
    }

    /// The final reply to command `id` if its service gave up on it (see ``GivenUpCommand``).
    func failure(of id: UUID) async throws -> ServiceReply? {
        try await redis.getString(keys.commandFailure(id.lowercasedString))
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
