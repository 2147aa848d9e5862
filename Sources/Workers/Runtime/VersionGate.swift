/// The rule for replicas: apply an event only when it carries the next version.
public enum VersionGate: Sendable, Equatable {
    /// The next version (or the first one seen, version 0): apply it.
    case apply
    /// Already applied: acknowledge with no effect.
    case duplicate
    /// Its predecessor has not landed yet: leave it pending; it is retried with backoff.
    case early

    /// - Parameters:
    ///   - current: the replica's version, nil when the record is not there yet.
    ///   - incoming: the event's version; a record starts at version 0.
    public static func check(current: Int?, incoming: Int) -> VersionGate {
        guard let current else { return incoming == 0 ? .apply : .early }
        if incoming == current + 1 { return .apply }
        return incoming <= current ? .duplicate : .early
    }

    /// Throws ``NotYet`` for an early event; true when the event should be applied.
    public static func shouldApply(current: Int?, incoming: Int, what: String) throws -> Bool {
        switch check(current: current, incoming: incoming) {
        case .apply: return true
        case .duplicate: return false
        case .early: throw NotYet("\(what) version \(incoming) arrived before version \((current ?? -1) + 1)")
        }
    }
}
