import Contracts
import Crypto
import Foundation
import Hummingbird

/// The one-time key that binds an anonymous command's poll to the client that sent it. A
/// sign-up or sign-in answered 202 would otherwise hand a session to whoever polls its id
/// (which travels in `Location` headers and logs): the key goes to the client in a cookie
/// scoped to that poll's path, Redis keeps only its SHA-256, and a successful outcome spends it.
public enum PollKey {
    /// How long the cookie and its hash live: a command still pending then is given up on.
    static let lifetimeSeconds = 600
    public static let cookieName = "command_poll"

    static func make() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ key: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(key.utf8)))
    }

    /// The cookie that hands `key` to the client, sent back only to `path` (the poll's):
    /// HttpOnly, SameSite=Strict.
    public static func cookie(_ key: String, path: String, secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: key, maxAge: lifetimeSeconds, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// Removes the cookie at `path` once spent.
    public static func clearing(path: String, secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The key the request carries, if any.
    public static func key(in request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.value, !value.isEmpty else { return nil }
        return value
    }
}
