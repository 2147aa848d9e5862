import Contracts
import RedisClient

/// Dead letters, oldest first within each stream, and how many there are in all.
public struct DeadLetterList: Report, Hashable {
    public var letters: [DeadLetter]
    /// Letters in the streams looked at, listed or not.
    public var total: Int

    public var text: String {
        if total == 0 { return "no dead letters" }
        var table = TextTable(
            ("DEAD LETTER", .left), ("STREAM", .left), ("GROUP", .left), ("TYPE", .left),
            ("DELIVERIES", .right), ("DEAD AT", .left), ("ERROR", .left))
        for letter in letters {
            table.add(
                letter.id, letter.stream, letter.group ?? "?", letter.type ?? "?",
                letter.deliveries.map(String.init) ?? "?", letter.deadAt ?? "?", Format.oneLine(letter.error ?? "?", limit: 60))
        }
        let more = total > letters.count ? "\n(\(total - letters.count) more; --limit shows more)" : ""
        return table.text + more
    }
}

extension Admin {
    /// Up to `limit` dead letters of the stream named, or of every stream.
    public func deadLetters(stream: String? = nil, limit: Int = 50) async throws -> DeadLetterList {
        guard limit > 0 else { throw AdminError(.invalidInput, "the limit must be at least 1") }
        let streams = try await deadLetterKeys(stream: stream)
        var list = DeadLetterList(letters: [], total: 0)
        for key in streams {
            list.total += try await redis.xlen(key)
            let room = limit - list.letters.count
            if room > 0 {
                list.letters += try await redis.xrange(key, count: room).map { DeadLetter(entry: $0, key: key, keys: keys) }
            }
        }
        return list
    }
}
