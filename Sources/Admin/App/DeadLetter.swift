import Contracts
import RedisClient

/// One dead letter: the entry a consumer group gave up on, with where it came from and why.
/// `dead show` prints it.
public struct DeadLetter: Report, Hashable {
    public struct Field: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// Its id in the dead-letter stream.
    public var id: String
    /// The dead-letter stream.
    public var key: String
    /// The stream it came from, where a replay adds it again.
    public var stream: String
    /// Its id in that stream.
    public var entryID: String?
    public var group: String?
    public var error: String?
    public var deliveries: Int?
    public var deadAt: String?
    /// The envelope's `id` and `type`, when it has them.
    public var messageID: String?
    public var type: String?
    /// Whether it is a message the workers can read: only then can a replay do any good.
    public var replayable: Bool
    /// The entry's own fields, in order, without the ones the dead letter added.
    public var fields: [Field]

    init(entry: StreamEntry, key: String, keys: KeySpace) {
        let added = Set(DeadLetterField.all)
        let own = entry.fields.filter { !added.contains($0.name) }
        id = entry.id
        self.key = key
        stream = entry[DeadLetterField.stream] ?? keys.stream(ofDead: key) ?? key
        entryID = entry[DeadLetterField.entryID]
        group = entry[DeadLetterField.group]
        error = entry[DeadLetterField.error]
        deliveries = entry[DeadLetterField.deliveries].flatMap { Int($0) }
        deadAt = entry[DeadLetterField.at]
        messageID = entry[EnvelopeField.id]
        type = entry[EnvelopeField.type]
        replayable = (try? Envelope(fields: own.map { ($0.name, $0.value) })) != nil
        fields = own.map { Field(name: $0.name, value: $0.value) }
    }

    public var text: String {
        var about = [
            ("stream", stream + (entryID.map { " (entry \($0))" } ?? "")),
            ("group", group ?? "?"),
            ("deliveries", deliveries.map(String.init) ?? "?"),
            ("dead at", deadAt ?? "?"),
            ("error", error ?? "?"),
        ]
        if !replayable { about.append(("replay", "no: not a message the workers can read")) }
        let own = fields.isEmpty
            ? "fields: none (the entry was gone when it was dead-lettered)"
            : "fields\n" + Format.pairs(fields.map { ($0.name, $0.value) })
        return "dead letter \(id) in \(key)\n" + Format.pairs(about) + "\n" + own
    }
}

extension Admin {
    /// The dead letter `id` of the stream named, or, with no stream, of whichever dead-letter
    /// stream holds it.
    public func deadLetter(_ id: String, stream: String? = nil) async throws -> DeadLetter {
        guard StreamID(id) != nil else {
            throw AdminError(.invalidInput, "\(id) is not a stream entry id (they look like 1700000000000-0)")
        }
        let candidates = try await deadLetterKeys(stream: stream)
        var found: [DeadLetter] = []
        for key in candidates {
            if let entry = try await redis.xrange(key, start: id, end: id, count: 1).first {
                found.append(DeadLetter(entry: entry, key: key, keys: keys))
            }
        }
        guard let letter = found.first else {
            throw AdminError(.notFound, "there is no dead letter \(id)" + (stream.map { " of \(streamKey($0))" } ?? ""))
        }
        guard found.count == 1 else {
            throw AdminError(.invalidInput, "dead letters of several streams have the id \(id) (\(found.map(\.stream).joined(separator: ", "))): name one with --stream")
        }
        return letter
    }
}
