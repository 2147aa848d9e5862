/// A statement and its bind parameters. There is deliberately no public way to make one from
/// a runtime `String`: SQL text comes from literals, and every value goes as a `$n` bind.
///
/// ```swift
/// let q: PostgresQuery = "SELECT id FROM users WHERE email = \(email) AND active = \(true)"
/// // SQL: SELECT id FROM users WHERE email = $1 AND active = $2
///
/// static let findUser = PostgresQuery("SELECT id FROM users WHERE email = $1", binds: [email])
/// ```
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text, with `$n` placeholders.
    public let sql: String
    var binds: PostgresBinds

    /// SQL kept as plain text with `$1…$n` placeholders, and the values for them in order.
    public init(_ sql: StaticString, binds: [any PostgresBindable] = []) {
        self.sql = sql.description
        var collected = PostgresBinds()
        for value in binds { collected.append(value) }
        self.binds = collected
    }

    public init(stringLiteral sql: StaticString) {
        self.sql = sql.description
        self.binds = PostgresBinds()
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// Trusted SQL that is not a literal: migration files. Internal on purpose.
    init(trustedSQL sql: String) {
        self.sql = sql
        self.binds = PostgresBinds()
    }

    /// How many bind parameters the statement carries.
    public var bindCount: Int { binds.count }

    /// The SQL only: bind values stay out of logs.
    public var description: String { sql }

    /// Builds the SQL from literal pieces; each interpolated value becomes the next `$n`.
    public struct StringInterpolation: StringInterpolationProtocol {
        public typealias StringLiteralType = StaticString

        var sql = ""
        var binds = PostgresBinds()

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            sql += literal.description
        }

        public mutating func appendInterpolation<T: PostgresBindable>(_ value: T) {
            binds.append(value)
            sql += "$\(binds.count)"
        }

        /// NULL when `value` is nil, still typed as `T`. (Spelled out so interpolating an
        /// Optional is not mistaken for the debug-description kind.)
        public mutating func appendInterpolation<T: PostgresBindable>(_ value: T?) {
            binds.append(value)
            sql += "$\(binds.count)"
        }
    }
}
