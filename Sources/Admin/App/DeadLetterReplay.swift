import Contracts
import RedisClient

/// What a replay did: the letters added back to their streams, and the ones left where they were.
public struct ReplayReport: Report, Hashable {
    public struct Replayed: Codable, Sendable, Hashable {
        public var deadLetterID: String
        public var stream: String
        /// The entry's new id in its stream.
        public var entryID: String
        public var messageID: String?
    }

    public struct Skipped: Codable, Sendable, Hashable {
        public var deadLetterID: String
        public var stream: String
        public var reason: String
    }

    public var replayed: [Replayed] = []
    public var skipped: [Skipped] = []

    public var text: String {
        if replayed.isEmpty && skipped.isEmpty { return "no dead letters to replay" }
        var lines = replayed.map { "replayed \($0.deadLetterID) to \($0.stream) as \($0.entryID)" }
        lines += skipped.map { "left \($0.deadLetterID) of \($0.stream): \($0.reason)" }
        lines.append("\(replayed.count) replayed, \(skipped.count) left")
        return lines.joined(separator: "\n")
    }
}

/// Adds a dead letter's own fields back to its stream and deletes the letter, in one script:
/// a crash or a lost connection leaves either both done or neither, so a letter is never lost
/// and never replayed twice. Another admin that replayed it first makes it answer nil.
///
/// A command's given-up answer (see ``GivenUpCommand``) is deleted with it: polling its outcome
/// says pending again until the workers handle it.
///
/// KEYS: the dead-letter stream, the stream the letter came from.
/// ARGV: the letter's id, the field that names its stream, the command-failure key prefix, the
/// envelope's id field, then every field a dead letter adds.
enum ReplayScript {
    static let script = RedisScript(#"""
        local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        if not found[1] then
            return false
        end
        local added = {}
        for i = 5, #ARGV do
            added[ARGV[i]] = true
        end
        local fields = found[1][2]
        local origin, messageID
        local command = {'XADD', KEYS[2], '*'}
        for i = 1, #fields, 2 do
            if fields[i] == ARGV[2] then
                origin = fields[i + 1]
            end
            if fields[i] == ARGV[4] then
                messageID = fields[i + 1]
            end
            if not added[fields[i]] then
                command[#command + 1] = fields[i]
                command[#command + 1] = fields[i + 1]
            end
        end
        if origin ~= KEYS[2] then
            return redis.error_reply('ERR the dead letter came from ' .. tostring(origin) .. ', not ' .. KEYS[2])
        end
        if #command == 3 then
            return redis.error_reply('ERR the dead letter holds none of its entry fields')
        end
        local id = redis.call(unpack(command))
        redis.call('XDEL', KEYS[1], ARGV[1])
        if messageID then
            redis.call('DEL', ARGV[3] .. messageID)
        end
        return id
        """#)
}

extension Admin {
    /// Replays one dead letter: its message goes back to its stream, to every group reading
    /// it, and the letter is deleted. Groups that handled the message before drop the copy by
    /// its inbox row (kept for `OUTBOX_RETENTION_S`).
    public func replay(_ id: String, stream: String? = nil) async throws -> ReplayReport {
        let letter = try await deadLetter(id, stream: stream)
        guard letter.replayable else {
            throw AdminError(.notReplayable, "dead letter \(id) is not a message the workers can read; a replay would only dead-letter it again")
        }
        guard let entryID = try await replay(letter) else {
            throw AdminError(.notFound, "dead letter \(id) was replayed or deleted meanwhile")
        }
        return ReplayReport(replayed: [.init(deadLetterID: letter.id, stream: letter.stream, entryID: entryID, messageID: letter.messageID)])
    }

    /// Replays every dead letter of the stream named, or of every stream, that was there when
    /// the replay began: a message that fails again and comes back is not replayed again in
    /// the same run. Letters the workers cannot read stay where they are.
    public func replayAll(stream: String? = nil) async throws -> ReplayReport {
        // Every stream's last letter is noted before any is replayed: a letter arriving in a
        // stream not reached yet came after the start, and stays like any other late one.
        var ends: [(key: String, last: String)] = []
        for key in try await deadLetterKeys(stream: stream) {
            if let last = try await redis.xrevrange(key, count: 1).first?.id { ends.append((key, last)) }
        }
        var report = ReplayReport()
        for (key, last) in ends {
            var start = "-"
            while true {
                let batch = try await redis.xrange(key, start: start, end: last, count: 100)
                for entry in batch {
                    let letter = DeadLetter(entry: entry, key: key, keys: keys)
                    if !letter.replayable {
                        report.skipped.append(.init(deadLetterID: letter.id, stream: letter.stream, reason: "not a message the workers can read"))
                    } else if let entryID = try await replay(letter) {
                        report.replayed.append(.init(deadLetterID: letter.id, stream: letter.stream, entryID: entryID, messageID: letter.messageID))
                    } else {
                        report.skipped.append(.init(deadLetterID: letter.id, stream: letter.stream, reason: "replayed or deleted meanwhile"))
                    }
                }
                guard batch.count == 100, let next = batch.last else { break }
                start = "(" + next.id
            }
        }
        return report
    }

    /// The new entry's id, or nil when the letter is gone.
    private func replay(_ letter: DeadLetter) async throws -> String? {
        let reply = try await redis.evalScript(
            ReplayScript.script, keys: [letter.key, letter.stream],
            args: [letter.id, DeadLetterField.stream, keys.commandFailurePrefix, EnvelopeField.id] + DeadLetterField.all)
        return reply.isNull ? nil : try reply.asString()
    }
}
