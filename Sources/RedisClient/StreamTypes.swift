/// One field of a stream entry, in the order it was added.
public struct StreamField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One stream entry: its id and its fields, in order.
///
/// An entry deleted (`XDEL`, trimming) while still pending in a consumer group comes back
/// from `XREADGROUP`/`XCLAIM` with no fields: then `isDeleted` is true and `fields` is empty.
public struct StreamEntry: Sendable, Hashable {
    public let id: String
    public let fields: [StreamField]
    public let isDeleted: Bool

    public init(id: String, fields: [StreamField], isDeleted: Bool = false) {
        self.id = id
        self.fields = fields
        self.isDeleted = isDeleted
    }

    /// The value of the first field named `name`.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Parses `[id, [field, value, …]]`, or `[id, nil]` for a deleted entry.
    init(reply: RedisReply) throws {
        guard let parts = reply.array, parts.count == 2, let id = parts[0].string else {
            throw RedisError.unexpected(reply, expected: "a stream entry [id, fields]")
        }
        self.id = id
        switch parts[1] {
        case .null:
            self.fields = []
            self.isDeleted = true
        case .array(let flat) where flat.count % 2 == 0:
            self.fields = try stride(from: 0, to: flat.count, by: 2).map {
                StreamField(name: try flat[$0].asString(), value: try flat[$0 + 1].asString())
            }
            self.isDeleted = false
        default:
            throw RedisError.unexpected(parts[1], expected: "stream entry fields")
        }
    }

    /// Parses an array of entries; a bare null element (older servers) is skipped.
    static func list(_ reply: RedisReply) throws -> [StreamEntry] {
        guard let elements = try reply.asOptionalArray() else { return [] }
        return try elements.compactMap { $0.isNull ? nil : try StreamEntry(reply: $0) }
    }
}

/// The entries read from one stream by `XREAD` or `XREADGROUP`.
public struct StreamMessages: Sendable, Hashable {
    public let stream: String
    public let entries: [StreamEntry]

    /// Parses `[[key, entries], …]`; a null reply (the block timed out) is no streams. Public
    /// for a read sent in a pipeline (see ``RedisCommand/xreadgroup(group:consumer:streams:count:block:noAck:)``).
    public static func list(_ reply: RedisReply) throws -> [StreamMessages] {
        guard let streams = try reply.asOptionalArray() else { return [] }
        return try streams.map { element in
            guard let parts = element.array, parts.count == 2 else {
                throw RedisError.unexpected(element, expected: "[stream, entries]")
            }
            return StreamMessages(stream: try parts[0].asString(), entries: try StreamEntry.list(parts[1]))
        }
    }
}

/// How `XADD` or `XTRIM` trims a stream: `MAXLEN` or `MINID`, exact (`=`) or approximate (`~`).
public struct StreamTrim: Sendable, Hashable {
    let arguments: [String]

    /// Keeps at most `count` entries. Approximate trimming is cheaper and may keep a few more.
    public static func maxLength(_ count: Int, approximate: Bool = false, limit: Int? = nil) -> StreamTrim {
        StreamTrim(strategy: "MAXLEN", threshold: String(count), approximate: approximate, limit: limit)
    }

    /// Drops entries with ids lower than `id`.
    public static func minID(_ id: String, approximate: Bool = false, limit: Int? = nil) -> StreamTrim {
        StreamTrim(strategy: "MINID", threshold: id, approximate: approximate, limit: limit)
    }

    private init(strategy: String, threshold: String, approximate: Bool, limit: Int?) {
        var arguments = [strategy, approximate ? "~" : "=", threshold]
        if let limit { arguments += ["LIMIT", String(limit)] }
        self.arguments = arguments
    }
}

/// `XPENDING key group`: how many entries are pending, the id range, and per consumer.
public struct StreamPendingSummary: Sendable, Hashable {
    public struct Consumer: Sendable, Hashable {
        public let name: String
        public let pending: Int
    }

    public let count: Int
    public let smallestID: String?
    public let greatestID: String?
    public let consumers: [Consumer]
}

/// One entry of `XPENDING key group start end count`.
public struct StreamPendingEntry: Sendable, Hashable {
    public let id: String
    public let consumer: String
    /// Milliseconds since the entry was last delivered.
    public let idleMilliseconds: Int
    /// How many times the entry has been delivered.
    public let deliveryCount: Int

    public var idle: Duration { .milliseconds(idleMilliseconds) }
}

/// The result of `XAUTOCLAIM`.
public struct StreamAutoClaim: Sendable, Hashable {
    /// Where the next call starts; `0-0` when the whole pending list was scanned.
    public let nextCursor: String
    public let entries: [StreamEntry]
    /// Pending ids whose entries no longer exist; Redis 7 removes them from the pending list.
    public let deletedIDs: [String]
}

/// `XINFO STREAM key`.
public struct StreamInfo: Sendable, Hashable {
    public let length: Int
    public let groups: Int
    public let lastGeneratedID: String
    /// Redis 7 and later.
    public let maxDeletedEntryID: String?
    /// Redis 7 and later: entries ever added.
    public let entriesAdded: Int?
    public let firstEntry: StreamEntry?
    public let lastEntry: StreamEntry?
}

/// One group of `XINFO GROUPS key`.
public struct StreamGroupInfo: Sendable, Hashable {
    public let name: String
    public let consumers: Int
    public let pending: Int
    public let lastDeliveredID: String
    /// Redis 7 and later; nil when the server cannot tell.
    public let entriesRead: Int?
    /// Entries not yet delivered to the group; nil when the server cannot tell.
    public let lag: Int?
}

/// One consumer of `XINFO CONSUMERS key group`.
public struct StreamConsumerInfo: Sendable, Hashable {
    public let name: String
    public let pending: Int
    /// Milliseconds since the consumer last tried to read or claim.
    public let idleMilliseconds: Int
    /// Redis 7.2 and later: milliseconds since its last successful read or claim.
    public let inactiveMilliseconds: Int?
}

/// A flat `[name, value, name, value, …]` reply (as `XINFO` sends) as a dictionary.
struct ReplyMap {
    private var values: [String: RedisReply] = [:]
    private let reply: RedisReply

    init(_ reply: RedisReply) throws {
        self.reply = reply
        let flat = try reply.asArray()
        guard flat.count % 2 == 0 else { throw RedisError.unexpected(reply, expected: "name/value pairs") }
        for index in stride(from: 0, to: flat.count, by: 2) {
            values[try flat[index].asString()] = flat[index + 1]
        }
    }

    subscript(name: String) -> RedisReply? { values[name] }

    func required(_ name: String) throws -> RedisReply {
        guard let value = values[name] else { throw RedisError.unexpected(reply, expected: "a field \"\(name)\"") }
        return value
    }

    func int(_ name: String) throws -> Int { try required(name).asInt() }
    func string(_ name: String) throws -> String { try required(name).asString() }
    /// Nil when absent (older server) or null.
    func optionalInt(_ name: String) -> Int? { values[name]?.int }
}

/// A stream entry id, `<milliseconds>-<sequence>`, ordered as Redis orders them.
public struct StreamID: Sendable, Hashable, Comparable, LosslessStringConvertible {
    public let milliseconds: UInt64
    public let sequence: UInt64

    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses a complete id such as `1700000000000-3`; nil for anything else (`-`, `+`, `$`,
    /// a bare time).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let milliseconds = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    /// The smallest id there can be, `0-0`.
    public static let zero = StreamID(milliseconds: 0, sequence: 0)

    /// The id right after this one; nil after the largest id there can be.
    public var successor: StreamID? {
        if sequence < .max { return StreamID(milliseconds: milliseconds, sequence: sequence + 1) }
        if milliseconds < .max { return StreamID(milliseconds: milliseconds + 1, sequence: 0) }
        return nil
    }

    public var description: String { "\(milliseconds)-\(sequence)" }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}
