/// A server error's five-character SQLSTATE, with names for the ones callers act on.
/// Compare with `==` (`error.sqlState == .uniqueViolation`) or look at ``errorClass``.
public struct SQLState: Sendable, Hashable, CustomStringConvertible {
    /// The five characters, e.g. `"23505"`.
    public let code: String

    public init(_ code: String) { self.code = code }

    /// The first two characters: the class (`"23"` integrity constraint violation, `"08"` connection…).
    public var errorClass: Substring { code.prefix(2) }

    public var description: String { code }

    // Class 08: connection exceptions.
    public static let connectionException = SQLState("08000")
    public static let connectionDoesNotExist = SQLState("08003")
    public static let connectionFailure = SQLState("08006")
    public static let sqlClientUnableToEstablishConnection = SQLState("08001")
    public static let sqlServerRejectedEstablishmentOfConnection = SQLState("08004")
    public static let protocolViolation = SQLState("08P01")

    // Class 22: data exceptions.
    public static let characterNotInRepertoire = SQLState("22021")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let numericValueOutOfRange = SQLState("22003")
    public static let stringDataRightTruncation = SQLState("22001")

    // Class 23: integrity constraint violations.
    public static let notNullViolation = SQLState("23502")
    public static let foreignKeyViolation = SQLState("23503")
    public static let uniqueViolation = SQLState("23505")
    public static let checkViolation = SQLState("23514")
    public static let exclusionViolation = SQLState("23P01")

    // Class 25: invalid transaction state.
    public static let inFailedSQLTransaction = SQLState("25P02")

    // Class 40: transaction rollback.
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")

    // Class 42: syntax errors and access rule violations.
    public static let syntaxError = SQLState("42601")
    public static let undefinedTable = SQLState("42P01")
    public static let undefinedColumn = SQLState("42703")
    public static let undefinedFunction = SQLState("42883")
    public static let duplicateTable = SQLState("42P07")
    public static let insufficientPrivilege = SQLState("42501")

    // Class 55 and 57: object state and operator intervention.
    public static let lockNotAvailable = SQLState("55P03")
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")

    /// The server is going away or coming up, or the link to it failed. Not `protocolViolation`,
    /// which says our messages were wrong and would fail again.
    public var isConnectionProblem: Bool {
        if self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow { return true }
        return errorClass == "08" && self != .protocolViolation
    }

    /// The server ends the session after reporting this one.
    var endsSession: Bool {
        self == .adminShutdown || self == .crashShutdown
    }
}
