import Foundation

/// The rules for emails and passwords, one copy for the API (which checks input) and the auth
/// service (which checks again: a command can reach its stream by other ways than the API).
public enum CredentialRules {
    public static let passwordMinimumCharacters = 8
    /// bcrypt reads at most 72 bytes: longer passwords would be cut, and two that differ only
    /// past byte 72 would be one password. So a new password is at most that, counted in UTF-8.
    public static let newPasswordMaximumBytes = 72
    /// A password to check may be longer: accounts made before the byte limit may have one
    /// (bcrypt compares its first 72 bytes). Anything longer than this cannot be right.
    public static let existingPasswordMaximumBytes = 1024

    /// One address, one form: trimmed, lowercased and in Unicode NFC, so that `José` typed
    /// with a combining accent and with a precomposed `é` is one account.
    public static func normalize(email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().precomposedStringWithCanonicalMapping
    }

    /// Why a new password is refused, or nil.
    public static func newPasswordProblem(_ password: String) -> String? {
        if password.isEmpty { return "Password is required" }
        if hasControlCharacters(password) { return "Password must not contain control characters" }
        if password.count < passwordMinimumCharacters { return "Password must be at least \(passwordMinimumCharacters) characters" }
        if password.utf8.count > newPasswordMaximumBytes { return "Password must be at most \(newPasswordMaximumBytes) bytes (UTF-8)" }
        return nil
    }

    /// Why a password to check is refused before any bcrypt work, or nil.
    public static func existingPasswordProblem(_ password: String) -> String? {
        if password.isEmpty { return "You must supply a password" }
        // bcrypt stops at a NUL: `secret\0anything` would be `secret`.
        if hasControlCharacters(password) { return "Password must not contain control characters" }
        if password.utf8.count > existingPasswordMaximumBytes { return "Password must be at most \(existingPasswordMaximumBytes) bytes (UTF-8)" }
        return nil
    }

    /// NUL and the other C0 and C1 controls (general category Cc).
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
