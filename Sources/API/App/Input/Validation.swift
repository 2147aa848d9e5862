import Contracts
import Foundation

/// Collects field errors so a request learns everything wrong with it at once.
struct Validation {
    private(set) var errors: [ErrorBody.Item] = []

    mutating func fail(_ message: String, field: String) {
        errors.append(ErrorBody.Item(message: message, field: field))
    }

    /// Throws 400 with every error collected, if any.
    func check() throws {
        if !errors.isEmpty { throw APIError.invalid(errors) }
    }

    /// A title: trimmed, 1–200 characters.
    mutating func title(_ raw: String?, field: String = "title") -> String {
        let title = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if title.isEmpty { fail("Title is required", field: field) }
        else if title.count > 200 { fail("Title must be at most 200 characters", field: field) }
        return title
    }

    /// A price: > 0, ≤ 1,000,000, at most two decimals; returns cents.
    mutating func price(_ raw: PriceText?, field: String = "price") -> Int {
        guard let raw else {
            fail("Price is required", field: field)
            return 0
        }
        guard let cents = raw.cents else {
            fail("Price must be greater than 0 and at most 1000000, with at most two decimals", field: field)
            return 0
        }
        return cents
    }

    /// An email: normalised (``CredentialRules/normalize(email:)``), one `@`, a dotted domain,
    /// no spaces, ≤ 254 characters.
    mutating func email(_ raw: String?, field: String = "email") -> String {
        let email = raw.map(CredentialRules.normalize(email:)) ?? ""
        guard !email.isEmpty else {
            fail("Email is required", field: field)
            return email
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid = email.count <= 254 && parts.count == 2 && !parts[0].isEmpty
            && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace || $0.isNewline })
        if !valid { fail("Email must be valid", field: field) }
        return email
    }

    /// A new password: see ``CredentialRules/newPasswordProblem(_:)``.
    mutating func newPassword(_ raw: String?, field: String = "password") -> String {
        let password = raw ?? ""
        if let problem = CredentialRules.newPasswordProblem(password) { fail(problem, field: field) }
        return password
    }

    /// A password to check: see ``CredentialRules/existingPasswordProblem(_:)``.
    mutating func existingPassword(_ raw: String?, field: String = "password") -> String {
        let password = raw ?? ""
        if let problem = CredentialRules.existingPasswordProblem(password) { fail(problem, field: field) }
        return password
    }

    /// A record id: a UUID, returned lowercase.
    mutating func id(_ raw: String?, field: String) -> String {
        guard let raw, !raw.isEmpty else {
            fail("\(field) is required", field: field)
            return ""
        }
        guard let id = RecordID.normalize(raw) else {
            fail("\(field) must be a valid id", field: field)
            return ""
        }
        return id
    }

    /// A non-empty string of at most `maximum` characters.
    mutating func text(_ raw: String?, field: String, maximum: Int = 255) -> String {
        let text = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if text.isEmpty { fail("\(field) is required", field: field) }
        else if text.count > maximum { fail("\(field) must be at most \(maximum) characters", field: field) }
        return text
    }
}

/// A price as the client wrote it: a JSON number, or a string of decimal digits (as some
/// clients send form values). Anything else is the wrong type.
public enum PriceText: Decodable, Sendable {
    case number(Double)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .text(string.trimmingCharacters(in: .whitespaces))
        } else {
            throw DecodingError.typeMismatch(
                Double.self, .init(codingPath: decoder.codingPath, debugDescription: "price is not a number"))
        }
    }

    /// Cents, if the price is > 0, ≤ 1,000,000 and has at most two decimals.
    public var cents: Int? {
        switch self {
        case .number(let value): Money.cents(from: value)
        case .text(let text): Money.cents(fromDecimal: text)
        }
    }
}
