import Foundation

// UUID, Date and Data in the binary format.

extension UUID: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .uuid }

    public func encode(into buffer: inout [UInt8]) {
        withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) }
    }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: UUID.self, accepting: .uuid)
        guard bytes.count == 16 else { throw cell.decodingError(UUID.self, "unexpected length \(bytes.count)") }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        self = UUID(uuid: raw)
    }
}

extension Date: PostgresBindable, PostgresDecodable {
    /// Postgres counts time from 2000-01-01 00:00:00 UTC.
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    public static var postgresDataType: PostgresDataType { .timestamptz }

    /// timestamptz: microseconds since the Postgres epoch.
    public func encode(into buffer: inout [UInt8]) {
        let micros = (timeIntervalSince(Self.postgresEpoch) * 1_000_000).rounded()
        buffer.appendBigEndian(Int64(exactly: micros) ?? (micros < 0 ? Int64.min : Int64.max))
    }

    public init(postgresCell cell: PostgresCell) throws {
        let bytes = try cell.bytes(as: Date.self, accepting: .timestamptz, .timestamp, .date)
        var reader = BinaryReader(bytes)
        if cell.dataType == .date {
            guard bytes.count == 4, let days = reader.readInteger(Int32.self) else {
                throw cell.decodingError(Date.self, "unexpected length \(bytes.count)")
            }
            switch days {
            case .max: self = .distantFuture
            case .min: self = .distantPast
            default: self = Self.postgresEpoch.addingTimeInterval(Double(days) * 86_400)
            }
            return
        }
        guard bytes.count == 8, let micros = reader.readInteger(Int64.self) else {
            throw cell.decodingError(Date.self, "unexpected length \(bytes.count)")
        }
        switch micros {
        case .max: self = .distantFuture  // 'infinity'
        case .min: self = .distantPast  // '-infinity'
        default: self = Self.postgresEpoch.addingTimeInterval(Double(micros) / 1_000_000)
        }
    }
}

extension Data: PostgresBindable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .bytea }

    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: self) }

    public init(postgresCell cell: PostgresCell) throws {
        self = Data(try cell.bytes(as: Data.self, accepting: .bytea))
    }
}
