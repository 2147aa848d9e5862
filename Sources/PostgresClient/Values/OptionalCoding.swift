// Optional is how NULL travels in both directions.

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    /// A NULL still carries its type, so `$1` is never of unknown type.
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }

    public var isPostgresNull: Bool { self?.isPostgresNull ?? true }

    public func encode(into buffer: inout [UInt8]) {
        self?.encode(into: &buffer)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws {
        self = cell.isNull ? nil : try Wrapped(postgresCell: cell)
    }
}
