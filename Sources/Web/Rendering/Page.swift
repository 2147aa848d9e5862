import API
import Contracts

/// What every page shows around its content: the title, the header's user and the CSRF token
/// its sign-out form carries. `page` is the page's own view model.
struct Page<Content: Sendable>: Sendable {
    var title: String
    /// The signed-in user (header: email, links, Sign out), or nil (Sign up, Sign in).
    var user: HeaderUser?
    /// The token every state-changing form on the page carries (`_csrf`).
    var csrf: String
    /// Re-load the page after this many seconds (the "still working" page; no script needed).
    var refreshSeconds: Int?
    /// Where the page's script listens for changes (server-sent events), if it does.
    var liveURL: String?
    /// Load Stripe.js (the payment form, with Stripe configured).
    var stripe: Bool = false
    var page: Content
}

struct HeaderUser: Sendable {
    var email: String
}

/// A form input: what the user typed (never a password or card number) and the error beside it.
struct Field: Sendable {
    var value: String = ""
    var error: String?

    init(_ value: String = "", error: String? = nil) {
        self.value = value
        self.error = error
    }
}

/// Errors a service or validation named, split into those beside a field and the rest.
struct FormErrors: Sendable {
    var byField: [String: String] = [:]
    var general: [String] = []

    init(_ items: [ErrorBody.Item] = []) {
        for item in items {
            if let field = item.field, byField[field] == nil { byField[field] = item.message }
            else if item.field == nil { general.append(item.message) }
        }
    }

    init(message: String) { general = [message] }

    /// A field's error, taking errors named after another spelling of it too (`ticketId`).
    func field(_ names: String...) -> String? {
        names.lazy.compactMap { byField[$0] }.first
    }

    var isEmpty: Bool { byField.isEmpty && general.isEmpty }
}
