import Synchronization

/// The entries this process is handling right now, so the redelivery loop never claims an
/// entry the consumer still works on (a slow batch looks idle from Redis's side).
final class InFlight: Sendable {
    private let entries = Mutex(Set<String>())

    func insert(_ keys: [String]) {
        entries.withLock { $0.formUnion(keys) }
    }

    func remove(_ keys: [String]) {
        entries.withLock { $0.subtract(keys) }
    }

    func contains(_ key: String) -> Bool {
        entries.withLock { $0.contains(key) }
    }

    static func key(stream: String, id: String) -> String { "\(stream) \(id)" }
}
