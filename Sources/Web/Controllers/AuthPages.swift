import API
import Contracts
import Foundation
import Hummingbird

/// `/auth/signup`, `/auth/signin` and sign-out (a POST from the header's button). A successful
/// sign-up or sign-in sets the same `session` cookie the JSON API sets.
struct AuthPages: Sendable {
    let site: Site

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/auth/signup") { request, context in form(.signUp, request, context) }
        router.get("/auth/signin") { request, context in form(.signIn, request, context) }
        router.post("/auth/signup") { request, context in try await submit(.signUp, request, context) }
        router.post("/auth/signin") { request, context in try await submit(.signIn, request, context) }
        router.post("/auth/signout") { request, context in
            _ = try await site.form(request, context)
            var response = site.redirect("/")
            response.setCookie(try await site.services.sessions.signOut(context.session))
            return response
        }
    }

    private func form(_ kind: AuthView.Kind, _ request: Request, _ context: APIRequestContext) -> Response {
        let next = Site.safeNext(request.uri.queryParameters["next"].map(String.init))
        if context.session != nil { return site.redirect(next ?? "/") }
        return site.render(.auth, title: kind.heading, AuthView(kind, next: next), visit: site.visit(request, context))
    }

    private func submit(_ kind: AuthView.Kind, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await site.form(request, context)
        let next = Site.safeNext(form["next"])
        let email = form["email"] ?? ""
        let input = CredentialsInput(email: email, password: form["password"] ?? "")
        func again(_ errors: FormErrors, _ status: HTTPResponse.Status) -> Response {
            // The password is never sent back; the email is.
            site.render(.auth, title: kind.heading, AuthView(kind, next: next, email: email, errors: errors), visit: site.visit(request, context), status: status)
        }
        let client = site.services.limits.client(of: request, context: context)
        let outcome: PageOutcome
        do {
            switch kind {
            case .signUp: outcome = try await site.send(try input.signUp(), session: nil, client: client)
            case .signIn: outcome = try await site.send(try input.signIn(), session: nil, client: client)
            }
        } catch let error as APIError {
            return again(FormErrors(error.body.errors), .badRequest)
        } catch let limited as RateLimited {
            var response = again(FormErrors(message: limited.message), .tooManyRequests)
            response.headers[.retryAfter] = String(limited.retryAfterSeconds)
            return response
        }
        switch outcome {
        case .success(let reply):
            return try await signedIn(reply, next: next)
        case .refused(let status, let errors):
            return again(errors, Site.status(status))
        case .working(let id, let pollKey):
            return site.working(id, back: kind == .signUp ? "/auth/signup" : "/auth/signin", pollKey: pollKey)
        }
    }

    /// The auth service vouched for the user: start the session and go on.
    func signedIn(_ reply: ServiceReply, next: String?) async throws -> Response {
        let user = try MessageCoding.decode(UserView.self, from: reply.body)
        var response = site.redirect(next ?? "/")
        response.setCookie(try await site.services.sessions.signIn(user))
        return response
    }
}

struct AuthView: Sendable {
    enum Kind: Sendable {
        case signUp, signIn
        var heading: String { self == .signUp ? "Sign up" : "Sign in" }
    }

    var heading: String
    var action: String
    var submitLabel: String
    var passwordAutocomplete: String
    var passwordHint: String?
    var otherPrompt: String
    var otherHref: String
    var otherLabel: String
    var next: String?
    var email: Field
    var password: Field
    var errors: [String]

    init(_ kind: Kind, next: String?, email: String = "", errors: FormErrors = FormErrors()) {
        heading = kind.heading
        action = kind == .signUp ? "/auth/signup" : "/auth/signin"
        submitLabel = kind.heading
        passwordAutocomplete = kind == .signUp ? "new-password" : "current-password"
        passwordHint = kind == .signUp ? "At least 8 characters." : nil
        otherPrompt = kind == .signUp ? "Already have an account?" : "New here?"
        let suffix = next.map { "?next=\(Site.queryEscape($0))" } ?? ""
        otherHref = (kind == .signUp ? "/auth/signin" : "/auth/signup") + suffix
        otherLabel = kind == .signUp ? "Sign in" : "Sign up"
        self.next = next
        self.email = Field(email, error: errors.field("email"))
        self.password = Field("", error: errors.field("password"))
        self.errors = errors.general
    }
}
