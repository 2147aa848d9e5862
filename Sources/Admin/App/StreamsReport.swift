import Contracts
import RedisClient

/// Every stream with its length, its consumer groups with lag and pending counts, and their
/// consumers with idle time; the dead-letter streams apart, with how many letters each holds.
public struct StreamsReport: Report, Hashable {
    public struct Stream: Codable, Sendable, Hashable {
        public var name: String
        public var length: Int
        public var lastEntryID: String
        public var groups: [Group]
    }

    public struct Group: Codable, Sendable, Hashable {
        public var name: String
        /// Entries not yet delivered to the group; nil when Redis cannot tell (after deletions).
        public var lag: Int?
        /// Delivered and not yet acknowledged.
        public var pending: Int
        public var lastDeliveredID: String
        public var consumers: [Consumer]
    }

    public struct Consumer: Codable, Sendable, Hashable {
        public var name: String
        public var pending: Int
        /// Since the consumer last read or claimed.
        public var idleMilliseconds: Int
    }

    public struct DeadLetterStream: Codable, Sendable, Hashable {
        /// The stream the letters came from.
        public var stream: String
        /// The dead-letter stream itself.
        public var key: String
        public var letters: Int
    }

    public var prefix: String
    public var streams: [Stream]
    public var deadLetters: [DeadLetterStream]

    public var text: String {
        if streams.isEmpty && deadLetters.isEmpty { return "no streams under \(prefix):" }
        var table = TextTable(("STREAM / GROUP / CONSUMER", .left), ("LENGTH", .right), ("LAG", .right), ("PENDING", .right), ("IDLE", .right))
        for stream in streams {
            table.add(stream.name, String(stream.length))
            for group in stream.groups {
                table.add("  " + group.name, "", group.lag.map(String.init) ?? "?", String(group.pending))
                for consumer in group.consumers {
                    table.add("    " + consumer.name, "", "", String(consumer.pending), Format.duration(milliseconds: Int64(consumer.idleMilliseconds)))
                }
            }
        }
        var dead = TextTable(("DEAD LETTERS OF", .left), ("LETTERS", .right))
        for stream in deadLetters { dead.add(stream.stream, String(stream.letters)) }
        let deadText = dead.isEmpty ? "no dead letters" : dead.text
        return streams.isEmpty ? deadText : table.text + "\n\n" + deadText
    }
}

extension Admin {
    public func streamsReport() async throws -> StreamsReport {
        let catalog = try await catalog()
        var streams: [StreamsReport.Stream] = []
        for key in catalog.streams {
            guard let info = try await unlessGone(key, { try await redis.xinfoStream(key) }) else { continue }
            var groups: [StreamsReport.Group] = []
            if info.groups > 0 {
                for group in try await unlessGone(key, { try await redis.xinfoGroups(key) }) ?? [] {
                    let consumers = try await unlessGone(key) { try await redis.xinfoConsumers(key, group: group.name) } ?? []
                    groups.append(StreamsReport.Group(
                        name: group.name, lag: group.lag, pending: group.pending, lastDeliveredID: group.lastDeliveredID,
                        consumers: consumers.map { StreamsReport.Consumer(name: $0.name, pending: $0.pending, idleMilliseconds: $0.idleMilliseconds) }))
                }
            }
            streams.append(StreamsReport.Stream(name: key, length: info.length, lastEntryID: info.lastGeneratedID, groups: groups))
        }
        var dead: [StreamsReport.DeadLetterStream] = []
        for key in catalog.deadLetterStreams {
            let letters = try await redis.xlen(key)
            if letters > 0 { dead.append(StreamsReport.DeadLetterStream(stream: keys.stream(ofDead: key) ?? key, key: key, letters: letters)) }
        }
        return StreamsReport(prefix: keys.prefix, streams: streams, deadLetters: dead)
    }
}
