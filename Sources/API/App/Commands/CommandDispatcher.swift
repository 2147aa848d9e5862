import Contracts
import Foundation
import Hummingbird
import Logging

/// Turns a validated command into a response: picks its id (fresh, or derived from an
/// `Idempotency-Key`), answers at once from a stored outcome when the key was seen before,
/// else sends it and passes the service's reply through, or 202 with where to poll.
struct CommandDispatcher: Sendable {
    /// Lowercase, as header names compare.
    static let idempotencyKey = "idempotency-key"

    let bus: CommandBus
    let outcomes: any CommandOutcomeRepository
    let tokens: SessionTokens
    let cookie: SessionCookie
    let limits: CommandLimits

    func dispatch<C: Command>(_ command: C, request: Request, context: APIRequestContext) async throws -> Response {
        let id: UUID
        let keyed: Bool
        if let key = request.headers.first(where: { $0.name.canonicalName == Self.idempotencyKey })?.value {
            id = try CommandID.derive(
                key: key, user: context.session?.userID, method: request.method.rawValue,
                path: request.uri.path, command: bus.sealer.fingerprint(command))
            if let stored = try await outcomes.outcome(of: id) {
                if context.revocationUnchecked, let session = context.session, await tokens.isRevoked(session) {
                    throw APIError.notAuthorized
                }
                return try await respond(stored, type: C.type, logger: context.logger)
            }
            keyed = true
        } else {
            id = .timeOrdered()
            keyed = false
        }
        // A replay answered from its stored outcome above is not a new attempt; this one is.
        // An unchecked session's revocation is checked here, with the limits, before anything
        // is counted: in the script that appends the command, so it costs no round trip.
        let unchecked = context.revocationUnchecked ? context.session : nil
        let check = try limits.check(command, session: context.session, uncheckedSession: unchecked) {
            limits.client(of: request, context: context)
        }
        switch try await bus.send(command, id: id, session: context.session, sentBefore: keyed, admission: check) {
        case .replied(let reply):
            do {
                if let check { try await limits.settle(check.admission, status: reply.status) }
            } catch {
                context.logger.warning("could not record a sign-in's outcome for its back-off", metadata: ["error_type": "\(type(of: error))"])
            }
            return try await respond(reply, type: C.type, logger: context.logger)
        case .pending(let id, let pollKey):
            var response = Self.pending(id)
            if let pollKey { response.setCookie(PollKey.cookie(pollKey, path: Self.location(id), secure: cookie.secure)) }
            return response
        }
    }

    /// The reply as the client sees it. A successful sign-up or sign-in also starts a session:
    /// the token is signed here, after the auth service vouched for the credentials.
    func respond(_ reply: ServiceReply, type: String, logger: Logger) async throws -> Response {
        guard (100...599).contains(reply.status) else {
            logger.error("service replied with an impossible status", metadata: ["status": "\(reply.status)", "type": "\(type)"])
            throw APIError.unexpected
        }
        let status = HTTPResponse.Status(code: reply.status)
        var response = JSONResponse.raw(status: status, json: reply.body)
        if (type == SignUp.type || type == SignIn.type), (200..<300).contains(reply.status) {
            let user = try MessageCoding.decode(UserView.self, from: reply.body)
            response.setCookie(cookie.setting(try await tokens.sign(user)))
        }
        return response
    }

    /// 202: accepted, still in progress; poll the Location.
    static func pending(_ id: UUID) -> Response {
        JSONResponse.make(
            status: .accepted, body: ["id": id.lowercasedString, "status": "pending"],
            headers: [.location: location(id)])
    }

    /// Where command `id`'s outcome is polled.
    static func location(_ id: UUID) -> String { "/api/commands/\(id.lowercasedString)" }
}
