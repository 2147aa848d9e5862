import Foundation

/// A JSON document, sent as `jsonb` and read from `json` or `jsonb` columns.
///
/// Holds the JSON text as is; `init(encoding:)` and `decode(_:)` bridge to `Codable`.
public struct PostgresJSON: Sendable, Hashable, PostgresBindable, PostgresDecodable, PostgresArrayElement {
    /// The JSON text.
    public var text: String

    public init(_ text: String) { self.text = text }

    /// Encodes `value` with `encoder` (a fresh `JSONEncoder` by default).
    public init<T: Encodable>(encoding value: T, encoder: JSONEncoder = JSONEncoder()) throws {
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the JSON text as `T`.
    public func decode<T: Decodable>(_: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(T.self, from: Data(text.utf8))
    }

    public static var postgresDataType: PostgresDataType { .jsonb }
    public static var postgresArrayDataType: PostgresDataType { .jsonbArray }

    /// jsonb's binary form: version byte 1, then the text.
    public func encode(into buffer: inout [UInt8]) {
        buffer.append(1)
        buffer.append(contentsOf: text.utf8)
    }

    public init(postgresCell cell: PostgresCell) throws {
        _ = try cell.bytes(as: PostgresJSON.self, accepting: .json, .jsonb)
        self.text = try String(postgresCell: cell)
    }
}
