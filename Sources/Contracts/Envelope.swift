import Foundation

/// The fields of every stream entry, readable with `redis-cli XRANGE`.
public enum EnvelopeField {
    /// The message's identity (a UUID), for de-duplication across redeliveries and republishing.
    public static let id = "id"
    /// What the message is: an event name or a command name.
    public static let type = "type"
    /// The payload, as JSON.
    public static let data = "data"
    /// When it happened, ISO 8601 with milliseconds, UTC.
    public static let occurredAt = "occurred_at"
    /// Ties together every message caused by one request.
    public static let correlationID = "correlation_id"
    /// For commands: the user the API authenticated. Never taken from a request body.
    public static let userID = "user_id"
    /// For commands: the stream the reply goes to.
    public static let replyTo = "reply_to"
    /// For commands: the Postgres channel the reply is also sent on (``ReplyNotice``), the
    /// one that belongs to `reply_to`; absent, the reply goes only to the stream.
    public static let replyNotify = "reply_notify"
}

/// One message as it travels in a stream: identity, type, JSON payload and metadata.
public struct Envelope: Sendable, Hashable {
    public var id: UUID
    public var type: String
    public var data: String
    public var occurredAt: Date
    public var correlationID: String?
    public var userID: String?
    public var replyTo: String?
    public var replyNotify: String?

    public init(id: UUID = .timeOrdered(), type: String, data: String, occurredAt: Date = Date(),
                correlationID: String? = nil, userID: String? = nil, replyTo: String? = nil, replyNotify: String? = nil) {
        self.id = id
        self.type = type
        self.data = data
        self.occurredAt = occurredAt
        self.correlationID = correlationID
        self.userID = userID
        self.replyTo = replyTo
        self.replyNotify = replyNotify
    }

    /// The entry's fields, in the order `redis-cli` shows them.
    public var fields: [(String, String)] {
        var fields = [
            (EnvelopeField.id, id.lowercasedString),
            (EnvelopeField.type, type),
            (EnvelopeField.data, data),
            (EnvelopeField.occurredAt, Timestamp.format(occurredAt)),
        ]
        if let correlationID { fields.append((EnvelopeField.correlationID, correlationID)) }
        if let userID { fields.append((EnvelopeField.userID, userID)) }
        if let replyTo { fields.append((EnvelopeField.replyTo, replyTo)) }
        if let replyNotify { fields.append((EnvelopeField.replyNotify, replyNotify)) }
        return fields
    }

    /// Reads an envelope from a stream entry's fields; the error names the first field at fault.
    public init(fields: [(String, String)]) throws(EnvelopeError) {
        var values: [String: String] = [:]
        for (name, value) in fields where values[name] == nil { values[name] = value }
        guard let rawID = values[EnvelopeField.id] else { throw .missing(EnvelopeField.id) }
        guard let id = UUID.parse(rawID) else { throw .invalid(EnvelopeField.id, rawID) }
        guard let type = values[EnvelopeField.type], !type.isEmpty else { throw .missing(EnvelopeField.type) }
        guard let data = values[EnvelopeField.data] else { throw .missing(EnvelopeField.data) }
        var occurredAt = Date()
        if let raw = values[EnvelopeField.occurredAt] {
            guard let parsed = Timestamp.parse(raw) else { throw .invalid(EnvelopeField.occurredAt, raw) }
            occurredAt = parsed
        }
        self.init(
            id: id, type: type, data: data, occurredAt: occurredAt,
            correlationID: values[EnvelopeField.correlationID], userID: values[EnvelopeField.userID],
            replyTo: values[EnvelopeField.replyTo], replyNotify: values[EnvelopeField.replyNotify])
    }
}

/// Why a stream entry is not a valid envelope.
public struct EnvelopeError: Error, Sendable, Hashable, CustomStringConvertible {
    public let field: String
    public let description: String

    static func missing(_ field: String) -> EnvelopeError {
        EnvelopeError(field: field, description: "the entry has no `\(field)` field")
    }

    static func invalid(_ field: String, _ value: String) -> EnvelopeError {
        EnvelopeError(field: field, description: "the entry's `\(field)` is not valid: \(value.prefix(64))")
    }
}
