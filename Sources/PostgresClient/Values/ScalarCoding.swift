// Text, integers, booleans and floats in the binary format.

extension String: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .text }

    public func encode(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: utf8)
    }

    public init(postgresCell cell: PostgresCell) throws {
        var bytes = try cell.bytes(
            as: String.self,
            accepting: .text, .varchar, .bpchar, .name, .unknown, .char, .json, .jsonb
        )
        if cell.dataType == .jsonb {
            // jsonb's binary form is a version byte and then the JSON text.
            guard bytes.first == 1 else { throw cell.decodingError(String.self, "unknown jsonb version") }
            bytes = bytes.dropFirst()
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw cell.decodingError(String.self, "the value is not valid UTF-8")
        }
        self = text
    }
}

/// Reads a signed integer of 2, 4 or 8 bytes, as the cell's length says.
private func readInteger<T: FixedWidthInteger>(_ cell: PostgresCell, _ bytes: ArraySlice<UInt8>, as type: T.Type) throws -> T {
    var reader = BinaryReader(bytes)
    let value: T?
    switch bytes.count {
    case 2: value = reader.readInteger(Int16.self).flatMap { T(exactly: $0) }
    case 4 where cell.dataType == .oidType: value = reader.readInteger(UInt32.self).flatMap { T(exactly: $0) }
    case 4: value = reader.readInteger(Int32.self).flatMap { T(exactly: $0) }
    case 8: value = reader.readInteger(Int64.self).flatMap { T(exactly: $0) }
    default: value = nil
    }
    guard let value else { throw cell.decodingError(type, "unexpected length \(bytes.count)") }
    return value
}

extension Int: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int8 }

    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(Int64(self)) }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Int.self, accepting: .int8, .int4, .int2, .oidType)
        self = try readInteger(cell, bytes, as: Int.self)
    }
}

extension Int64: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int8 }

    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Int64.self, accepting: .int8, .int4, .int2, .oidType)
        self = try readInteger(cell, bytes, as: Int64.self)
    }
}

extension Int32: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int4 }

    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Int32.self, accepting: .int4, .int2)
        self = try readInteger(cell, bytes, as: Int32.self)
    }
}

extension Int16: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int2 }

    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Int16.self, accepting: .int2)
        self = try readInteger(cell, bytes, as: Int16.self)
    }
}

extension Bool: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .bool }

    public func encode(into buffer: inout [UInt8]) { buffer.append(self ? 1 : 0) }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Bool.self, accepting: .bool)
        guard bytes.count == 1, let byte = bytes.first, byte <= 1 else {
            throw cell.decodingError(Bool.self, "not a boolean")
        }
        self = byte == 1
    }
}

extension Double: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .float8 }

    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(bitPattern) }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Double.self, accepting: .float8, .float4)
        var reader = BinaryReader(bytes)
        switch bytes.count {
        case 8: self = Double(bitPattern: reader.readInteger(UInt64.self)!)
        case 4: self = Double(Float(bitPattern: reader.readInteger(UInt32.self)!))
        default: throw cell.decodingError(Double.self, "unexpected length \(bytes.count)")
        }
    }
}
