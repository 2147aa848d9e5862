import API
import Crypto
import Foundation
import Hummingbird

/// CSRF tokens for every state-changing form. The browser holds a random `csrf` cookie
/// (HttpOnly, SameSite=Lax: Strict would leave it behind on a link from elsewhere, and the
/// fresh one set then would break the forms open in other tabs); a form's token is an HMAC of that cookie and the signed-in
/// user under the pages' key. Another site can neither read the token nor, without the key,
/// make one for a cookie it managed to plant; and a token stops working when the user changes.
struct CSRF: Sendable {
    static let cookieName = "csrf"
    static let fieldName = "_csrf"

    let key: SymmetricKey
    let secureCookies: Bool

    /// The browser's cookie value, or a fresh one that the response must set.
    func seed(of request: Request) -> (value: String, isNew: Bool) {
        if let cookie = request.cookies[Self.cookieName]?.value, Self.isWellFormed(cookie) {
            return (cookie, false)
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        return (Self.base64URL(Data(bytes)), true)
    }

    func cookie(_ seed: String) -> Cookie {
        Cookie(name: Self.cookieName, value: seed, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    func token(seed: String, userID: String?) -> String {
        let message = Data("csrf-v1\u{0}\(seed)\u{0}\(userID ?? "")".utf8)
        return Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: message, using: key)))
    }

    /// Whether the form's token was made for this browser's cookie and this user.
    func isValid(_ submitted: String?, request: Request, userID: String?) -> Bool {
        guard let submitted, let seed = request.cookies[Self.cookieName]?.value, Self.isWellFormed(seed) else { return false }
        let expected = token(seed: seed, userID: userID)
        // Constant time: the comparison must not say how much of a guess was right.
        let a = Array(submitted.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func isWellFormed(_ seed: String) -> Bool {
        (32...64).contains(seed.utf8.count)
            && seed.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
