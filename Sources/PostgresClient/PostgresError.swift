/// An error from the Postgres client: what kind of failure (`code`), and for errors the
/// server reported, its SQLSTATE and diagnostic fields.
///
/// Callers switch on `code` (client-side kinds) or `sqlState` (server errors):
/// ```swift
/// catch let error as PostgresError where error.sqlState == .uniqueViolation { … }
/// ```
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum so new kinds are not source-breaking.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed, connectionLost, queryCanceled, decoding, pipelineAborted
            case `protocol`, server, invalidConfiguration, clientClosed, transactionAborted
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Could not open a connection (refused, bad credentials, TLS required but refused…).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while in use; the statement may or may not have run.
        public static let connectionLost = Code(.connectionLost)
        /// The calling task was cancelled and the statement was cancelled with it.
        public static let queryCanceled = Code(.queryCanceled)
        /// A result value could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// A pipelined statement that did not run because an earlier one in the pipeline failed.
        public static let pipelineAborted = Code(.pipelineAborted)
        /// libpq or the server did something this client does not handle (e.g. COPY).
        public static let `protocol` = Code(.protocol)
        /// The server reported an error; see ``PostgresError/sqlState``.
        public static let server = Code(.server)
        /// The connection string could not be parsed.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The client was closed while this request waited for a connection.
        public static let clientClosed = Code(.clientClosed)
        /// COMMIT was asked for a transaction that had a failed statement; it was rolled back.
        public static let transactionAborted = Code(.transactionAborted)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The primary message, from the server or the client.
    public var message: String
    /// The server's SQLSTATE, when the server reported the error.
    public var sqlState: SQLState?
    /// The server's detail. It can carry row values (`Key (email)=(…) already exists`), so
    /// ``description``, which ends up in logs and dead letters, leaves it out.
    public var detail: String?
    public var hint: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    /// The constraint that was violated, e.g. the unique index name for `uniqueViolation`.
    public var constraint: String?

    public init(
        code: Code,
        message: String,
        sqlState: SQLState? = nil,
        detail: String? = nil,
        hint: String? = nil,
        schema: String? = nil,
        table: String? = nil,
        column: String? = nil,
        constraint: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
    }

    /// The connection itself failed or the server is going away or coming up: another
    /// connection (or the same one, reset) may well succeed.
    public var isTransient: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        return sqlState?.isConnectionProblem ?? false
    }

    /// Running the whole unit of work again may succeed: transient connection problems,
    /// serialization failures and deadlocks.
    public var isRetryable: Bool {
        if isTransient { return true }
        guard let sqlState else { return false }
        return sqlState == .serializationFailure || sqlState == .deadlockDetected
    }

    public var description: String {
        var text = "PostgresError.\(code)"
        if let sqlState { text += " [\(sqlState.code)]" }
        text += ": \(message)"
        if let constraint { text += " (constraint: \(constraint))" }
        return text
    }
}
