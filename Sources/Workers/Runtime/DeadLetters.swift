import Contracts
import Foundation
import RedisClient

/// Moves an entry to `<prefix>:dead:<stream>` and acknowledges it, in one script so that the
/// copy and the acknowledgement happen together or not at all.
///
/// The dead letter keeps every field of the entry and adds the ``DeadLetterField``s
/// (`dead_stream`, `dead_entry_id`, `dead_group`, `dead_error`, `dead_deliveries`, `dead_at`).
/// An entry that is no longer pending for the group (another copy of the worker moved it
/// first) is left alone. A command's sender is told it was given up on (see the script).
enum DeadLetters {
    /// A command (an entry with `id` and `reply_to`) also gets its final answer here, in the
    /// same script: ``GivenUpCommand`` as the reply, and kept for a poll of its outcome. Those two
    /// keys are named by the entry, so the script learns them itself; they share the prefix (and
    /// with `KEY_PREFIX={…}` the hash slot) of the declared ones. Because the entry names them,
    /// the script writes only to a `reply_to` under `<prefix>:replies:` and only for an `id`
    /// shaped like a UUID: anything else gets no reply and no command-failure key.
    static let script = RedisScript("""
        -- KEYS: stream, dead-letter stream, failures hash
        -- ARGV: group, entry id, error (empty: the one recorded in the failures hash), deliveries,
        --       failures field, now, reply status, reply body, command-failure key prefix,
        --       reply stream length, reply stream expiry ms, command-failure lifetime s,
        --       reply stream prefix
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
            return false
        end
        local err = ARGV[3]
        if err == '' then
            err = redis.call('HGET', KEYS[3], ARGV[5]) or 'no error was recorded'
        end
        local command = {'XADD', KEYS[2], '*'}
        local id, replyTo
        local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
        if found[1] then
            local fields = found[1][2]
            for i = 1, #fields, 2 do
                command[#command + 1] = fields[i]
                command[#command + 1] = fields[i + 1]
                if fields[i] == '\(EnvelopeField.id)' then id = fields[i + 1] end
                if fields[i] == '\(EnvelopeField.replyTo)' then replyTo = fields[i + 1] end
            end
        end
        for _, value in ipairs({'\(DeadLetterField.stream)', KEYS[1], '\(DeadLetterField.entryID)', ARGV[2],
                                '\(DeadLetterField.group)', ARGV[1], '\(DeadLetterField.error)', err,
                                '\(DeadLetterField.deliveries)', ARGV[4], '\(DeadLetterField.at)', ARGV[6]}) do
            command[#command + 1] = value
        end
        redis.call('HDEL', KEYS[3], ARGV[5])
        local letter = redis.call(unpack(command))
        if id and replyTo and #id == 36 and string.match(id, '^[%x%-]+$')
            and #replyTo > #ARGV[13] and string.sub(replyTo, 1, #ARGV[13]) == ARGV[13] then
            redis.call('XADD', replyTo, 'MAXLEN', '~', ARGV[10], '*',
                '\(EnvelopeField.id)', id, 'status', ARGV[7], 'body', ARGV[8])
            redis.call('PEXPIRE', replyTo, ARGV[11])
            redis.call('SET', ARGV[9] .. id, ARGV[8], 'EX', ARGV[12])
        end
        return letter
        """)

    /// Moves one entry; returns the dead letter's id, or nil when the entry was not pending.
    @discardableResult
    static func move(
        stream: String, entryID: String, group: String, error: String?, deliveries: Int,
        keys: KeySpace, redis: some RedisCommandSender
    ) async throws -> String? {
        let reply = try await redis.evalScript(
            script,
            keys: [stream, keys.dead(stream), keys.failures(group)],
            args: [
                group, entryID, error ?? "", String(deliveries), failureField(stream: stream, entryID: entryID),
                Timestamp.format(Date()), String(GivenUpCommand.status), GivenUpCommand.body, keys.commandFailurePrefix,
                String(Settlement.replyStreamLength), String(Settlement.replyStreamExpiry.components.seconds * 1000),
                String(KeySpace.commandKeyLifetimeSeconds), keys.replies(""),
            ])
        return reply.string
    }

    /// The failures hash holds entries of every stream the group reads.
    static func failureField(stream: String, entryID: String) -> String { "\(stream) \(entryID)" }
}
