/// A result column: its name and type.
public struct PostgresColumn: Sendable, Hashable {
    public let name: String
    public let dataType: PostgresDataType
}

/// The complete result of one statement: the columns, the rows, and what the command did.
///
/// Values are copied out of libpq once into one buffer; rows and cells are views into it.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let columns: [PostgresColumn]
    /// The command tag, e.g. `INSERT 0 1` or `SELECT 3`.
    public let commandTag: String
    /// Rows inserted, updated, deleted, selected… as the command tag says; 0 when it says nothing.
    public let rowsAffected: Int

    let storage: [UInt8]
    /// Per cell (row-major): where its bytes start and how many; length -1 is NULL.
    let cells: [CellSlot]
    let rowCount: Int
    let columnIndex: [String: Int]

    struct CellSlot: Sendable {
        var start: Int
        var length: Int32
    }

    init(columns: [PostgresColumn], commandTag: String, rowsAffected: Int, storage: [UInt8], cells: [CellSlot], rowCount: Int) {
        self.columns = columns
        self.commandTag = commandTag
        self.rowsAffected = rowsAffected
        self.storage = storage
        self.cells = cells
        self.rowCount = rowCount
        var index: [String: Int] = [:]
        // The first column of a name wins, as in SQL's own lookups.
        for (position, column) in columns.enumerated() where index[column.name] == nil {
            index[column.name] = position
        }
        self.columnIndex = index
    }

    /// The column names, in order.
    public var columnNames: [String] { columns.map(\.name) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { rowCount }

    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < rowCount, "row index out of range")
        return PostgresRow(rows: self, rowIndex: position)
    }

    /// Decodes every row as the tuple `types`, e.g. `rows.decode((UUID, String).self)`.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type) throws -> [(repeat each T)] {
        try map { try $0.decode(types) }
    }

    /// Decodes the first column of every row as `T`.
    public func decodeColumn<T: PostgresDecodable>(_: T.Type = T.self) throws -> [T] {
        try map { try $0.decode(T.self, at: 0) }
    }
}

/// One row of a result. Cells are read by position or by column name and decoded to typed values.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let rowIndex: Int

    public var columns: [PostgresColumn] { rows.columns }

    /// The cell at `column`; throws a `.decoding` error if there is no such column.
    public subscript(column: Int) -> PostgresCell {
        get throws {
            guard column >= 0 && column < rows.columns.count else {
                throw PostgresError(code: .decoding, message: "no column at index \(column); the result has \(rows.columns.count)")
            }
            let slot = rows.cells[rowIndex * rows.columns.count + column]
            let bytes = slot.length < 0 ? nil : rows.storage[slot.start..<slot.start + Int(slot.length)]
            let info = rows.columns[column]
            return PostgresCell(bytes: bytes, dataType: info.dataType, columnName: info.name, columnIndex: column)
        }
    }

    /// The cell of the column named `column`; throws a `.decoding` error if there is none.
    public subscript(column: String) -> PostgresCell {
        get throws {
            guard let position = rows.columnIndex[column] else {
                throw PostgresError(code: .decoding, message: "no column named \"\(column)\"; the result has \(rows.columnNames)", column: column)
            }
            return try self[position]
        }
    }

    public func decode<T: PostgresDecodable>(_: T.Type = T.self, column: String) throws -> T {
        try self[column].decode(T.self)
    }

    public func decode<T: PostgresDecodable>(_: T.Type = T.self, at column: Int) throws -> T {
        try self[column].decode(T.self)
    }

    /// Decodes the row's columns in order as the tuple `types`: `row.decode((UUID, String, Int?).self)`.
    /// The row must have exactly as many columns as the tuple has elements.
    public func decode<each T: PostgresDecodable>(_: (repeat each T).Type) throws -> (repeat each T) {
        var expected = 0
        for _ in repeat (each T).self { expected += 1 }
        guard expected == rows.columns.count else {
            throw PostgresError(
                code: .decoding,
                message: "decoding \(expected) values from a row of \(rows.columns.count) columns \(rows.columnNames)"
            )
        }
        let cursor = ColumnCursor()
        return (repeat try cursor.next(self, as: (each T).self))
    }
}

/// Walks the columns while a parameter pack is decoded (a pack expansion cannot bump a local).
private final class ColumnCursor {
    private var position = 0

    func next<T: PostgresDecodable>(_ row: PostgresRow, as: T.Type) throws -> T {
        defer { position += 1 }
        return try row[position].decode(T.self)
    }
}
