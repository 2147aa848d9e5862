import Foundation
import Synchronization

/// Tokens already verified, with the session each proves and when it expires, so a client's
/// next request skips the JWT parse and HMAC. Bounded: when full it starts over, which costs
/// one verification per active client, not a failure. It remembers signatures, not that a
/// token is still good: ``SessionTokens/verify(_:)`` asks Redis about revocation every time.
final class VerifiedTokens: Sendable {
    private struct Entry {
        let session: Session
        let expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    /// The session `token` proved, while it has not expired.
    func session(for token: String, now: Date = Date()) -> Session? {
        entries.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.expires > now else {
                entries[token] = nil
                return nil
            }
            return entry.session
        }
    }

    func remember(_ token: String, _ session: Session, expires: Date) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(session: session, expires: expires)
        }
    }
}
