import Contracts

/// One stream entry handed to a handler: where it came from, its envelope, and how often it
/// has been delivered (1 on first delivery).
public struct IncomingMessage: Sendable {
    public let stream: String
    public let entryID: String
    public let envelope: Envelope
    public let deliveryCount: Int

    public init(stream: String, entryID: String, envelope: Envelope, deliveryCount: Int) {
        self.stream = stream
        self.entryID = entryID
        self.envelope = envelope
        self.deliveryCount = deliveryCount
    }
}

/// A reply to a command: an HTTP-like status and a JSON body, stored with the inbox row.
public struct Reply: Sendable, Hashable {
    public var status: Int
    public var body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// Thrown by a handler when the message cannot be applied yet (an event that arrived before
/// its predecessor): it stays pending and is tried again after a backoff.
public struct NotYet: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ reason: String) { self.description = "not yet: \(reason)" }
}
