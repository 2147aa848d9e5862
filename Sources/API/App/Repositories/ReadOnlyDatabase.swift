import Foundation

/// The API only reads: its sessions start read-only (`default_transaction_read_only`), so a
/// mistaken write fails loudly instead of changing another service's data.
enum ReadOnlyDatabase {
    static func connectionString(_ base: String) -> String {
        let trimmed = base.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            let separator = trimmed.contains("?") ? "&" : "?"
            return trimmed + separator + "options=-c%20default_transaction_read_only%3Don"
        }
        return trimmed + " options='-c default_transaction_read_only=on'"
    }
}
