import ClientSupport
import Contracts
import HummingbirdBcrypt
import WorkerRuntime

/// bcrypt on a thread of its own. A hash takes tens of milliseconds of CPU at cost 10 and
/// four times that at 12; on the Swift concurrency pool (two threads on our machines) that
/// would stall the worker's reads, relay and redelivery for as long.
final class PasswordHasher: Sendable {
    static let minimumCost = 10

    private let cost: UInt8
    private let thread = OwnedThread(name: "auth-bcrypt")
    /// Checked against when the email is unknown, so an unknown email takes as long to refuse
    /// as a wrong password and the timing does not tell which accounts exist.
    private let decoy: String

    init(cost: Int) throws {
        guard (Self.minimumCost...31).contains(cost) else {
            throw ConfigurationError("BCRYPT_COST must be in \(Self.minimumCost)...31, not \(cost)")
        }
        self.cost = UInt8(cost)
        // Once per process, at start-up: a few tens of milliseconds.
        self.decoy = Bcrypt.hash(RecordID.make(), cost: UInt8(cost))
    }

    deinit {
        thread.shutdown()
    }

    func hash(_ password: String) async throws -> String {
        try await thread.run { [cost] in Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (unknown email) it checks the decoy and
    /// answers false.
    func verify(_ password: String, against hash: String?) async throws -> Bool {
        let stored = hash ?? decoy
        let matches = try await thread.run { Bcrypt.verify(password, hash: stored) }
        return hash != nil && matches
    }
}
