/// A Swift type that can be read from a result cell in Postgres' binary format.
///
/// Conformances check the cell's type before reading and throw a `.decoding` error that
/// names the column and both types, so unexpected data never crashes.
public protocol PostgresDecodable: Sendable {
    init(postgresCell cell: PostgresCell) throws
}

/// One value of a result: its bytes (nil for NULL), its type, and the column it came from.
public struct PostgresCell: Sendable {
    /// The binary value, or nil for SQL NULL.
    public let bytes: ArraySlice<UInt8>?
    public let dataType: PostgresDataType
    public let columnName: String
    public let columnIndex: Int

    public init(bytes: ArraySlice<UInt8>?, dataType: PostgresDataType, columnName: String, columnIndex: Int) {
        self.bytes = bytes
        self.dataType = dataType
        self.columnName = columnName
        self.columnIndex = columnIndex
    }

    public var isNull: Bool { bytes == nil }

    /// Decodes the cell as `T`; `T?` accepts NULL, any other type throws on NULL.
    public func decode<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        try T(postgresCell: self)
    }

    /// The bytes of a non-NULL cell whose type is one of `accepted`, or the error to throw.
    public func bytes<T>(as type: T.Type, accepting accepted: PostgresDataType...) throws -> ArraySlice<UInt8> {
        guard accepted.contains(dataType) else { throw mismatch(type) }
        guard let bytes else {
            throw decodingError(type, "the value is NULL; decode an Optional to accept NULL")
        }
        return bytes
    }

    /// The error for a cell whose type cannot become `type`.
    public func mismatch<T>(_ type: T.Type) -> PostgresError {
        decodingError(type, "a \(dataType) value cannot be decoded as \(T.self)")
    }

    /// A `.decoding` error naming this cell's column, its type and the Swift type asked for.
    public func decodingError<T>(_: T.Type, _ reason: String) -> PostgresError {
        PostgresError(
            code: .decoding,
            message: "column \"\(columnName)\" (\(dataType)) as \(T.self): \(reason)",
            column: columnName
        )
    }
}
