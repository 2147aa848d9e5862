import Contracts
import Crypto
import Foundation
import Hummingbird
import RedisClient

/// What a command came to within the request's wait.
public enum CommandResult: Sendable, Hashable {
    /// The service's reply: an HTTP status and a JSON body (an entity, or ``ErrorBody``).
    case replied(ServiceReply)
    /// Not answered within the wait; ``CommandSending/poll(_:session:pollKey:)`` tells later.
    /// An anonymous command's poll needs `pollKey` (see ``PollKey``): hand it to the client in
    /// a cookie (``PollKey/cookie(_:path:secure:)``) scoped to where it polls.
    case pending(UUID, pollKey: String?)
}

/// A command sent earlier, looked up by its id for the user who sent it.
public enum CommandPoll: Sendable, Hashable {
    /// No such command, or it is someone else's (or anonymous, and the poll key is missing,
    /// wrong or spent).
    case unknown
    /// Sent, not answered yet.
    case pending(type: String)
    /// Answered: the command's type and its service's reply.
    case replied(type: String, ServiceReply)
}

/// Sends commands the way the JSON API does (same stream, same reply wait), for code that runs
/// in the API process, such as the web pages.
public protocol CommandSending: Sendable {
    func send<C: Command>(_ command: C, session: Session?) async throws -> CommandResult
    func poll(_ id: UUID, session: Session?, pollKey: String?) async throws -> CommandPoll
}

/// Starts and ends sessions: the same session cookie the JSON API sets.
public protocol SessionIssuing: Sendable {
    /// The cookie that signs `user` in; call it only after the auth service vouched for them.
    func signIn(_ user: UserView) async throws -> Cookie
    /// The cookie that signs out; `session`'s token, if any, is revoked everywhere.
    func signOut(_ session: Session?) async throws -> Cookie
}

/// The API's parts that other modules serving from the same process (the web pages) borrow,
/// rather than calling the API over HTTP.
public struct APIServices: Sendable {
    public let commands: any CommandSending
    public let tickets: any TicketRepository
    public let orders: any OrderRepository
    public let sessions: any SessionIssuing
    /// A key of the pages' own (for CSRF tokens), derived from the session signing key.
    public let pageKey: SymmetricKey
    /// Redis and the fleet's key names, for reading the event streams (live pages).
    public let redis: RedisClient?
    public let keys: KeySpace
    /// Whether cookies are marked `Secure`.
    public let secureCookies: Bool
    /// The JSON API's rate limits, for the same commands sent from pages.
    public let limits: CommandLimits

    public init(
        commands: any CommandSending, tickets: any TicketRepository, orders: any OrderRepository,
        sessions: any SessionIssuing, pageKey: SymmetricKey, redis: RedisClient?, keys: KeySpace, secureCookies: Bool,
        limits: CommandLimits = .off
    ) {
        self.commands = commands; self.tickets = tickets; self.orders = orders; self.sessions = sessions
        self.pageKey = pageKey; self.redis = redis; self.keys = keys; self.secureCookies = secureCookies
        self.limits = limits
    }

    /// A key for another purpose than signing sessions, derived from the signing secret.
    static func derivedKey(secret: String, purpose: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }
}

/// The command bus and stored outcomes behind ``CommandSending``, with the JSON API's rules:
/// only a command's sender may poll it, and an anonymous sender only with its poll key, which
/// the outcome spends (a success is about to start a session).
struct BusCommandSender: CommandSending {
    let bus: CommandBus
    let outcomes: any CommandOutcomeRepository

    func send<C: Command>(_ command: C, session: Session?) async throws -> CommandResult {
        switch try await bus.send(command, id: .timeOrdered(), session: session) {
        case .replied(let reply): .replied(reply)
        case .pending(let id, let pollKey): .pending(id, pollKey: pollKey)
        }
    }

    func poll(_ id: UUID, session: Session?, pollKey: String?) async throws -> CommandPoll {
        guard let record = try await bus.record(of: id), record.user == (session?.userID ?? CommandRecord.anonymous) else {
            return .unknown
        }
        let anonymous = record.user == CommandRecord.anonymous
        if anonymous {
            guard let pollKey, try await bus.holdsPollKey(pollKey, of: id) else { return .unknown }
        }
        // A handled command's stored reply first: it wins over an earlier give-up that a
        // replay or a second send has since made good.
        var reply = try await outcomes.outcome(of: id)
        if reply == nil { reply = try await bus.failure(of: id) }
        guard let reply else { return .pending(type: record.type) }
        if anonymous {
            // Two polls racing with the same key: only the one that deletes it goes on.
            guard let pollKey, try await bus.spendPollKey(pollKey, of: id) else { return .unknown }
        }
        bus.security.record(reply, type: record.type)
        return .replied(type: record.type, reply)
    }
}

struct TokenSessionIssuer: SessionIssuing {
    let tokens: SessionTokens
    let cookie: SessionCookie

    func signIn(_ user: UserView) async throws -> Cookie { cookie.setting(try await tokens.sign(user)) }
    func signOut(_ session: Session?) async throws -> Cookie {
        if let session { try await tokens.revoke(session) }
        return cookie.clearing()
    }
}
