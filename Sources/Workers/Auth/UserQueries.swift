import Foundation
import PostgresClient

/// The SQL of the auth schema.
enum UserQueries {
    /// Returns the new id, or no row when the email is taken (by a committed account or one
    /// being created in a concurrent transaction, which this statement waits for).
    static func insert(id: UUID, email: String, passwordHash: String) -> PostgresQuery {
        """
        INSERT INTO auth.users (id, email, password_hash) VALUES (\(id), \(email), \(passwordHash))
        ON CONFLICT (email) DO NOTHING
        RETURNING id
        """
    }

    static func credentials(email: String) -> PostgresQuery {
        "SELECT id, password_hash FROM auth.users WHERE email = \(email)"
    }
}
