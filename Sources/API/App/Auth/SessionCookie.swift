import Hummingbird

/// The `session` cookie: HttpOnly (scripts cannot read it), SameSite=Lax (not sent on
/// cross-site POSTs), Path=/, Secure when configured.
struct SessionCookie: Sendable {
    static let name = "session"
    let secure: Bool

    func setting(_ token: String) -> Cookie {
        Cookie(
            name: Self.name, value: token, maxAge: Int(SessionTokens.lifetime), path: "/",
            secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Replaces the cookie with an empty one that expires at once.
    func clearing() -> Cookie {
        Cookie(name: Self.name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
