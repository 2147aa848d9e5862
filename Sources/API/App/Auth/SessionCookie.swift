import Hummingbird

/// The session cookie: HttpOnly (scripts cannot read it), SameSite=Lax (not sent on
/// cross-site POSTs), Path=/, and when secure both `Secure` and named `__Host-session`: the
/// prefix makes browsers refuse it unless it is Secure, Path=/ and has no Domain, so a
/// sibling subdomain or a plain-HTTP page cannot plant one. `session` otherwise (plain HTTP
/// on localhost, where browsers would drop a `__Host-` cookie).
struct SessionCookie: Sendable {
    static let secureName = "__Host-session"
    static let plainName = "session"
    let secure: Bool

    var name: String { secure ? Self.secureName : Self.plainName }

    func setting(_ token: String) -> Cookie {
        Cookie(
            name: name, value: token, maxAge: Int(SessionTokens.lifetime), path: "/",
            secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Replaces the cookie with an empty one that expires at once.
    func clearing() -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
