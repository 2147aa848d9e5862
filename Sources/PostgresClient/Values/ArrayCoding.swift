/// A type whose Swift arrays travel as a one-dimensional Postgres array (binary array format),
/// so many rows can go in one statement with static SQL:
/// `INSERT INTO t SELECT * FROM unnest($1::text[], $2::int8[])`.
public protocol PostgresArrayElement: Sendable {
    /// The array type, e.g. `.textArray` for `String`.
    static var postgresArrayDataType: PostgresDataType { get }
    static func encodeArray(_ elements: [Self], into buffer: inout [UInt8])
    static func decodeArray(from cell: PostgresCell) throws -> [Self]
}

extension PostgresArrayElement where Self: PostgresBindable & PostgresDecodable {
    /// Header (dimensions, has-NULL flag, element type, size, lower bound 1), then each element
    /// as a length (-1 for NULL) and its bytes.
    public static func encodeArray(_ elements: [Self], into buffer: inout [UInt8]) {
        buffer.appendBigEndian(Int32(elements.isEmpty ? 0 : 1))
        buffer.appendBigEndian(Int32(elements.contains { $0.isPostgresNull } ? 1 : 0))
        buffer.appendBigEndian(Self.postgresDataType.oid)
        guard !elements.isEmpty else { return }
        buffer.appendBigEndian(Int32(clamping: elements.count))
        buffer.appendBigEndian(Int32(1))
        for element in elements {
            if element.isPostgresNull {
                buffer.appendBigEndian(Int32(-1))
                continue
            }
            let lengthAt = buffer.count
            buffer.appendBigEndian(Int32(0))
            element.encode(into: &buffer)
            let length = Int32(clamping: buffer.count - lengthAt - 4)
            withUnsafeBytes(of: length.bigEndian) { lengthBytes in
                buffer.replaceSubrange(lengthAt..<lengthAt + 4, with: lengthBytes)
            }
        }
    }

    public static func decodeArray(from cell: PostgresCell) throws -> [Self] {
        guard cell.dataType.isKnownArray else { throw cell.mismatch([Self].self) }
        guard let bytes = cell.bytes else {
            throw cell.decodingError([Self].self, "the value is NULL; decode an Optional to accept NULL")
        }
        var reader = BinaryReader(bytes)
        let malformed = cell.decodingError([Self].self, "malformed array")
        guard let dimensions = reader.readInteger(Int32.self), reader.readInteger(Int32.self) != nil,
            let elementOID = reader.readInteger(UInt32.self)
        else { throw malformed }
        if dimensions == 0 { return [] }
        guard dimensions == 1 else {
            throw cell.decodingError([Self].self, "\(dimensions)-dimensional arrays are not supported")
        }
        guard let count = reader.readInteger(Int32.self), count >= 0, reader.readInteger(Int32.self) != nil else {
            throw malformed
        }
        var elements: [Self] = []
        elements.reserveCapacity(min(Int(count), bytes.count / 4))
        for index in 0..<Int(count) {
            guard let length = reader.readInteger(Int32.self) else { throw malformed }
            let value: ArraySlice<UInt8>?
            if length < 0 {
                value = nil
            } else {
                guard let elementBytes = reader.readBytes(Int(length)) else { throw malformed }
                value = elementBytes
            }
            let elementCell = PostgresCell(
                bytes: value,
                dataType: PostgresDataType(oid: elementOID),
                columnName: "\(cell.columnName)[\(index + 1)]",
                columnIndex: cell.columnIndex
            )
            elements.append(try Self(postgresCell: elementCell))
        }
        return elements
    }
}

extension Array: PostgresBindable where Element: PostgresArrayElement {
    public static var postgresDataType: PostgresDataType { Element.postgresArrayDataType }

    public func encode(into buffer: inout [UInt8]) { Element.encodeArray(self, into: &buffer) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(postgresCell cell: PostgresCell) throws {
        self = try Element.decodeArray(from: cell)
    }
}

/// `[UInt8]` is `bytea`, not an array of bytes: raw bytes in, raw bytes out.
extension UInt8: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .bytea }

    public static func encodeArray(_ elements: [UInt8], into buffer: inout [UInt8]) {
        buffer.append(contentsOf: elements)
    }

    public static func decodeArray(from cell: PostgresCell) throws -> [UInt8] {
        Array(try cell.bytes(as: [UInt8].self, accepting: .bytea))
    }
}

extension String: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .textArray }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .int8Array }
}

extension Int64: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .int8Array }
}

extension Int32: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .int4Array }
}

extension Int16: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .int2Array }
}

extension Bool: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .boolArray }
}

extension Double: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .float8Array }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement & PostgresBindable & PostgresDecodable {
    public static var postgresArrayDataType: PostgresDataType { Wrapped.postgresArrayDataType }
}
