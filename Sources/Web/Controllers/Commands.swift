import API
import Contracts
import Foundation
import Hummingbird

/// A command's outcome as the pages use it.
enum PageOutcome: Sendable {
    /// The service accepted it; the body is the entity it returned.
    case success(ServiceReply)
    /// Refused; the errors to show in the form.
    case refused(status: Int, FormErrors)
    /// Not answered within the wait: show the "still working" page (an anonymous command's
    /// poll key with it, see ``PollKey``).
    case working(UUID, pollKey: String?)
}

extension Site {
    /// Sends `command` within the JSON API's rate limits (``RateLimited`` when over one);
    /// `client` is the visitor's address, for the limits kept per address (sign-in, sign-up).
    /// A page's own retry of the same command passes `counted: false`: one click, one attempt.
    func send<C: Command>(_ command: C, session: Session?, client: String? = nil, counted: Bool = true) async throws -> PageOutcome {
        var admission: CommandLimits.Admission?
        if counted { admission = try await services.limits.admit(command, session: session) { client } }
        switch try await services.commands.send(command, session: session) {
        case .pending(let id, let pollKey): return .working(id, pollKey: pollKey)
        case .replied(let reply):
            if let admission { try? await services.limits.settle(admission, status: reply.status) }
            return Self.outcome(of: reply)
        }
    }

    static func outcome(of reply: ServiceReply) -> PageOutcome {
        if (200..<300).contains(reply.status) { return .success(reply) }
        let items = (try? MessageCoding.decode(ErrorBody.self, from: reply.body).errors) ?? []
        return .refused(status: reply.status, items.isEmpty ? FormErrors(message: "Something went wrong") : FormErrors(items))
    }

    /// Where a command that is still being handled is followed: the "still working" page,
    /// which comes back to `back` if the command is refused. An anonymous command's poll key
    /// goes with it in a cookie only that page gets.
    func working(_ id: UUID, back: String, pollKey: String? = nil) -> Response {
        var response = redirect("\(Self.workingPath(id))?back=\(Self.queryEscape(back))")
        if let pollKey { response.setCookie(PollKey.cookie(pollKey, path: Self.workingPath(id), secure: services.secureCookies)) }
        return response
    }

    static func workingPath(_ id: UUID) -> String { "/working/\(id.lowercasedString)" }

    /// A refusal's status for the re-rendered form: the service's when it is a client error.
    static func status(_ code: Int) -> HTTPResponse.Status {
        (400..<500).contains(code) ? HTTPResponse.Status(code: code) : .badRequest
    }
}
