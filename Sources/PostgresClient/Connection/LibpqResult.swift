import CLibpq

/// Reading a `PGresult`: rows are copied into Swift storage, errors into ``PostgresError``;
/// the caller still owns and clears the result.
enum LibpqResult {
    static func rows(from result: OpaquePointer) -> PostgresRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { index in
            PostgresColumn(
                name: PQfname(result, Int32(index)).map { String(cString: $0) } ?? "?column?",
                dataType: PostgresDataType(oid: PQftype(result, Int32(index)))
            )
        }
        var storage: [UInt8] = []
        var cells: [PostgresRows.CellSlot] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(.init(start: storage.count, length: -1))
                    continue
                }
                let length = PQgetlength(result, row, column)
                cells.append(.init(start: storage.count, length: length))
                if length > 0, let value = PQgetvalue(result, row, column) {
                    value.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                        storage.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length)))
                    }
                }
            }
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresRows(
            columns: columns, commandTag: tag, rowsAffected: affected,
            storage: storage, cells: cells, rowCount: rowCount
        )
    }

    /// A server error from a `PGRES_FATAL_ERROR` result, with its diagnostic fields.
    static func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
        }
        let fallback = PQresultErrorMessage(result).map { String(cString: $0).trimmingTrailingNewlines } ?? "unknown error"
        return PostgresError(
            code: .server,
            message: field("M") ?? fallback,
            sqlState: field("C").map(SQLState.init),
            detail: field("D"),
            hint: field("H"),
            schema: field("s"),
            table: field("t"),
            column: field("c"),
            constraint: field("n")
        )
    }
}
