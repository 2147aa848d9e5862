/// The named prepared statements of one session, keyed by SQL text and bind types.
///
/// SQL text only comes from literals, so the set is bounded by the program; the limit is a
/// backstop. A statement is prepared on its first use in a session and then only bound and
/// executed, which saves the server parsing and planning it every time.
struct PreparedStatements {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    static let limit = 256

    private var names: [Key: String] = [:]
    private var nextNumber = 0

    /// The name a statement was prepared under in this session.
    func name(for key: Key) -> String? { names[key] }

    /// A fresh name for `key`, or nil when the cache is full (the statement then runs unnamed).
    mutating func reserveName(for key: Key) -> String? {
        guard names.count < Self.limit else { return nil }
        nextNumber += 1
        let name = "ticketing_statement_\(nextNumber)"
        names[key] = name
        return name
    }

    mutating func forget(_ key: Key) { names[key] = nil }

    /// A new session has none of the old one's statements.
    mutating func removeAll() { names.removeAll() }

    /// Errors that say the prepared statement itself is stale: it was deallocated (`DISCARD
    /// ALL`), or the tables under it changed shape ("cached plan must not change result type").
    static func isStale(_ error: PostgresError) -> Bool {
        error.sqlState == SQLState("26000") || error.sqlState == SQLState("0A000")
    }
}
