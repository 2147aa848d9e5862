import Foundation
import PostgresClient
import WorkerRuntime

/// The version gate for order events. order:created and order:cancelled travel on two streams,
/// so a cancellation can arrive before the creation it follows.
enum OrderVersions {
    enum Step {
        /// order:created, always version 0.
        case creation
        /// order:cancelled: the order's last event. The orders service also bumps the version
        /// for changes it announces to nobody (`awaiting:payment`), so the cancellation may
        /// skip versions this service never sees: it applies once the creation has landed.
        case cancellation
    }

    /// Whether the event of `order` at `version` is to be applied now; if so, records the
    /// version in the handler's transaction. False for a duplicate; throws ``NotYet`` for an
    /// early event or when another consumer recorded a version of this order meanwhile.
    static func admit(order: UUID, version: Int, step: Step, context: MessageContext) async throws -> Bool {
        let rows = try await context.query("SELECT version FROM tickets.order_versions WHERE order_id = \(order)")
        let current = try rows.first.map { Int(try $0.decode(Int32.self, at: 0)) }
        guard try shouldApply(current: current, incoming: version, step: step, order: order) else { return false }
        // Compare-and-set rather than a read lock: a concurrent consumer's change shows up as
        // no row (its insert or update is waited for first), never as a constraint error.
        let recorded: PostgresRows
        if let current {
            recorded = try await context.query("""
                UPDATE tickets.order_versions SET version = \(Int32(version))
                WHERE order_id = \(order) AND version = \(Int32(current))
                RETURNING version
                """)
        } else {
            recorded = try await context.query("""
                INSERT INTO tickets.order_versions (order_id, version) VALUES (\(order), \(Int32(version)))
                ON CONFLICT (order_id) DO NOTHING
                RETURNING version
                """)
        }
        guard !recorded.isEmpty else {
            throw NotYet("order \(order.lowercased) version \(version): another consumer applied one of its events meanwhile")
        }
        return true
    }

    static func shouldApply(current: Int?, incoming: Int, step: Step, order: UUID) throws -> Bool {
        let what = "order \(order.lowercased)"
        switch step {
        case .creation:
            return try VersionGate.shouldApply(current: current, incoming: incoming, what: what)
        case .cancellation:
            // Only the gap rule differs: once the creation is in, any later version applies.
            if let current, incoming > current { return true }
            return try VersionGate.shouldApply(current: current, incoming: incoming, what: what)
        }
    }
}
