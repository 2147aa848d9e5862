import Foundation

/// A command or event payload: the `data` field of an envelope, with its `type`.
public protocol Message: Codable, Sendable {
    static var type: String { get }
}

/// Something the API asks one service to do; it answers with a ``Reply``-shaped status and body.
public protocol Command: Message {
    static var service: ServiceName { get }
}

/// Something a service announces on its event stream.
public protocol Event: Message {
    static var name: EventName { get }
}

extension Event {
    public static var type: String { name.rawValue }
}

/// The one JSON form of payloads and bodies: ISO 8601 dates with milliseconds, sorted keys
/// (so equal payloads are equal text).
public enum MessageCoding {
    public static func encode<T: Encodable>(_ value: T) -> String {
        // Our payloads are plain structs of strings, numbers and dates: encoding cannot fail.
        String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 timestamp: \(text)")
            }
            return date
        }
        return decoder
    }()
}

/// Record ids are lowercase UUID strings.
public enum RecordID {
    public static func make() -> String { UUID.random().lowercasedString }

    /// The canonical form of `text` if it is a UUID, else nil.
    public static func normalize(_ text: String) -> String? {
        UUID.parse(text).map { $0.lowercasedString }
    }
}
