import Foundation

/// `application/x-www-form-urlencoded` bodies, as Stripe's API takes them.
enum FormEncoding {
    /// Only RFC 3986's unreserved characters go as they are; everything else is percent-encoded,
    /// so `&`, `=` and `+` in a value cannot split or alter the form.
    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        // Cannot fail for a Swift String: every scalar has a UTF-8 encoding to escape.
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
