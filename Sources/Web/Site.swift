import API
import Contracts
import Foundation
import Hummingbird

/// What every page controller shares: rendering into the layout, the CSRF check, reading
/// forms, redirects and error pages.
struct Site: Sendable {
    /// Form bodies are small; anything larger is refused.
    static let maxFormBytes = 16 * 1024

    let renderer: PageRenderer
    let services: APIServices
    let csrf: CSRF
    let options: WebOptions
    /// Whether `/live/…` is served; pages point their script at it only then.
    var live: Bool = false

    /// One request's session and CSRF token.
    struct Visit: Sendable {
        let session: Session?
        let seed: String
        let isNewSeed: Bool
        let token: String
    }

    func visit(_ request: Request, _ context: APIRequestContext) -> Visit {
        let (seed, isNew) = csrf.seed(of: request)
        return Visit(session: context.session, seed: seed, isNewSeed: isNew, token: csrf.token(seed: seed, userID: context.session?.userID))
    }

    /// The page rendered into the layout, as an HTML response.
    func render<Content: Sendable>(
        _ template: Template, title: String, _ content: Content, visit: Visit,
        status: HTTPResponse.Status = .ok, refreshSeconds: Int? = nil, liveURL: String? = nil, stripe: Bool = false
    ) -> Response {
        let page = Page(
            title: title, user: visit.session.map { HeaderUser(email: $0.email) }, csrf: visit.token,
            refreshSeconds: refreshSeconds, liveURL: live ? liveURL : nil, stripe: stripe, page: content)
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: renderer.render(page, template))))
        if visit.isNewSeed { response.setCookie(csrf.cookie(visit.seed)) }
        if stripe { response.headers[.contentSecurityPolicy] = PageHeadersMiddleware.stripeContentSecurityPolicy }
        return response
    }

    /// 303 See Other: after a POST, the browser GETs the result (POST-redirect-GET).
    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A page that needs a user sends the signed-out visitor to sign in, and back afterwards
    /// (to the page; a form sent signed out is not sent again).
    func signInFirst(_ request: Request) -> Response {
        guard request.method == .get else { return redirect("/auth/signin") }
        return redirect("/auth/signin?next=" + Self.queryEscape(request.uri.path))
    }

    /// The form's fields, after checking its CSRF token: a form without a valid token is
    /// refused with 403 and never acted on.
    func form(_ request: Request, _ context: APIRequestContext) async throws -> Form {
        let form = try await Form.read(request, maxBytes: Self.maxFormBytes)
        guard csrf.isValid(form[CSRF.fieldName], request: request, userID: context.session?.userID) else {
            throw FormRefusal.csrf
        }
        return form
    }

    func errorPage(_ request: Request, _ context: APIRequestContext, status: HTTPResponse.Status, message: String? = nil) -> Response {
        let content = ErrorView(status: status, message: message)
        return render(.error, title: content.heading, content, visit: visit(request, context), status: status)
    }

    /// A local path to go to after signing in: only `/…` paths of this site, never `//host`.
    static func safeNext(_ raw: String?) -> String? {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), raw.count < 512,
              !raw.contains(where: { $0.isNewline || $0 == "\r" })
        else { return nil }
        return raw
    }

    static func queryEscape(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The error page: a heading and a sentence for people, by status.
struct ErrorView: Sendable {
    var status: Int
    var heading: String
    var message: String

    init(status: HTTPResponse.Status, message: String? = nil) {
        self.status = status.code
        switch status {
        case .notFound:
            heading = "Page not found"
            self.message = message ?? "There is nothing at this address. The ticket or order may have been removed, or the link is mistyped."
        case .forbidden:
            heading = "This form has expired"
            self.message = message ?? "For your safety we did not act on it. Go back, reload the page and try again."
        case .serviceUnavailable:
            heading = "We are having trouble"
            self.message = message ?? "Part of the marketplace is not answering right now. Please try again in a moment."
        case .methodNotAllowed:
            heading = "Not allowed"
            self.message = message ?? "This address does not take that kind of request."
        case .tooManyRequests:
            heading = "Too many attempts"
            self.message = message ?? "Please wait a little and try again."
        case .unauthorized:
            heading = "Please sign in"
            self.message = message ?? "You need to be signed in for this."
        default:
            heading = status.code >= 500 ? "Something went wrong" : "That did not work"
            self.message = message ?? (status.code >= 500 ? "We could not show this page. Please try again." : "Please go back and try again.")
        }
    }
}

/// A form refused before anything was done with it.
enum FormRefusal: Error {
    case csrf
    case tooLarge
}
