import Contracts
import Foundation

/// The input rules for an email and password, applied again here although the API checked
/// them: a command can reach the stream by other ways than the API.
enum Credentials {
    /// The form emails are stored and compared in: ``CredentialRules/normalize(email:)``.
    static func normalize(email: String) -> String {
        CredentialRules.normalize(email: email)
    }

    /// A deliberately plain check (one `@`, a dotted domain, no spaces): the real test of an
    /// address is mail reaching it, which this service does not do.
    static func isValid(normalizedEmail email: String) -> Bool {
        let unprintable = email.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }
        guard (3...254).contains(email.count), !unprintable else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].count) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// Field errors for a sign-up, all at once so a form can show every one.
    static func signUpErrors(normalizedEmail email: String, password: String) -> [ErrorBody.Item] {
        var errors: [ErrorBody.Item] = []
        if !isValid(normalizedEmail: email) {
            errors.append(.init(message: "Email must be valid", field: "email"))
        }
        if let problem = CredentialRules.newPasswordProblem(password) {
            errors.append(.init(message: problem, field: "password"))
        }
        return errors
    }

    /// Field errors for a sign-in: only that both were given; a wrong pair is "Invalid credentials".
    static func signInErrors(normalizedEmail email: String, password: String) -> [ErrorBody.Item] {
        var errors: [ErrorBody.Item] = []
        if !isValid(normalizedEmail: email) {
            errors.append(.init(message: "Email must be valid", field: "email"))
        }
        if let problem = CredentialRules.existingPasswordProblem(password) {
            errors.append(.init(message: problem, field: "password"))
        }
        return errors
    }
}
