import PostgresClient

/// The statements of one batch on one connection, sent in as few round trips as possible.
///
/// Statements wait here and go out in one pipeline with the next statement a handler awaits (or
/// with the commit), each remembered with the message it belongs to, so a failure can be pinned
/// on that message. A statement may carry a continuation for its rows, run once they are back:
/// that is how the handlers of a whole batch share one round trip.
final class BatchSession {
    typealias Continuation = (PostgresRows) throws -> Void
    private let connection: PostgresConnection
    private var pending: [(query: PostgresQuery, owner: Int?, then: Continuation?)] = []
    /// Messages with statements already sent: their effects can only be undone by rolling back.
    private(set) var sentOwners: Set<Int> = []
    private(set) var roundTrips = 0

    init(connection: PostgresConnection) {
        self.connection = connection
    }

    func enqueue(_ query: PostgresQuery, owner: Int?, then: Continuation? = nil) {
        pending.append((query, owner, then))
    }

    /// Statements with continuations are waiting to be sent.
    var hasContinuations: Bool { pending.contains { $0.then != nil } }

    /// Forgets the statements of `owner` that were not sent yet.
    func dropPending(owner: Int) {
        pending.removeAll { $0.owner == owner }
    }

    /// Sends everything pending, then runs the continuations of what was sent, in order (they
    /// may queue more); throws ``BatchFailure`` for the first statement or continuation that failed.
    @discardableResult
    func flush() async throws -> [PostgresRows] {
        guard !pending.isEmpty else { return [] }
        let sent = pending
        pending.removeAll(keepingCapacity: true)
        for case let owner? in sent.map(\.owner) { sentOwners.insert(owner) }
        roundTrips += 1
        let results: [Result<PostgresRows, PostgresError>]
        do {
            results = try await connection.pipeline(sent.map(\.query))
        } catch let error as PostgresError {
            throw BatchFailure.connection(error)
        }
        var rows: [PostgresRows] = []
        rows.reserveCapacity(results.count)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let value):
                rows.append(value)
            case .failure(let error):
                if let owner = sent[index].owner { throw BatchFailure.message(owner, "\(error)") }
                throw BatchFailure.shared(error)
            }
        }
        for (index, statement) in sent.enumerated() {
            guard let then = statement.then else { continue }
            do {
                try then(rows[index])
            } catch {
                // Its statements were sent: only rolling back undoes them.
                guard let owner = statement.owner else { throw error }
                throw BatchFailure.message(owner, "\(error)")
            }
        }
        return rows
    }

    /// Sends everything pending followed by `query`, and returns `query`'s rows.
    func run(_ query: PostgresQuery, owner: Int?) async throws -> PostgresRows {
        enqueue(query, owner: owner)
        let rows = try await flush()
        return rows[rows.count - 1]
    }

    /// Rolls back whatever the attempt did; the connection is clean afterwards or gets dropped by the pool.
    func rollback() async {
        pending.removeAll()
        _ = try? await connection.query("ROLLBACK")
    }
}

/// Why an attempt at a batch stopped.
enum BatchFailure: Error {
    /// Message `index` failed after its writes were sent (a statement of its failed, or its
    /// handler threw): roll back and try again without it.
    case message(Int, String)
    /// A statement of the batch as a whole failed (the inbox insert, the commit).
    case shared(PostgresError)
    /// The connection broke: nothing can be said about the batch; it stays pending.
    case connection(PostgresError)
}
