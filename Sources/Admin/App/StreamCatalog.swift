import Contracts
import RedisClient

/// The streams under the prefix, found by `SCAN … TYPE stream`: the fleet's own (commands,
/// events, replies) and, apart, the dead-letter streams.
public struct StreamCatalog: Sendable, Hashable {
    /// Every stream but the dead-letter ones, sorted.
    public var streams: [String]
    /// The dead-letter streams, sorted.
    public var deadLetterStreams: [String]
}

extension Admin {
    public func catalog() async throws -> StreamCatalog {
        let all = try await redis.scanAll(matching: keys.everyKeyPattern, type: .stream)
        return StreamCatalog(
            streams: all.filter { keys.stream(ofDead: $0) == nil },
            deadLetterStreams: all.filter { keys.stream(ofDead: $0) != nil })
    }

    /// The key of a stream named on the command line: as given when it starts with the prefix,
    /// else under it, so `events:order:created` and `ticketing:events:order:created` are one.
    public func streamKey(_ name: String) -> String {
        name.hasPrefix("\(keys.prefix):") ? name : keys.custom(name)
    }

    /// The dead-letter stream meant by `--stream`: the dead letters of the stream named, or the
    /// dead-letter stream itself when that is what was named.
    public func deadLetterKey(forStream name: String) -> String {
        let key = streamKey(name)
        return keys.stream(ofDead: key) == nil ? keys.dead(key) : key
    }

    /// The dead-letter streams `--stream` means: the named stream's, or with none every one.
    func deadLetterKeys(stream: String?) async throws -> [String] {
        if let stream { return [deadLetterKey(forStream: stream)] }
        return try await catalog().deadLetterStreams
    }

    /// A stream named on the command line, which must exist.
    func existingStream(_ name: String) async throws -> String {
        let key = streamKey(name)
        guard let type = try await redis.keyType(key) else { throw AdminError(.notFound, "there is no stream \(key)") }
        guard type == .stream else { throw AdminError(.invalidInput, "\(key) is a \(type.rawValue), not a stream") }
        return key
    }

    /// Runs `body` on `key`; nil when the stream or the group it reads went away meanwhile (reply
    /// streams expire, tests delete theirs), so a report skips it instead of failing.
    func unlessGone<T>(_ key: String, _ body: () async throws -> T) async throws -> T? {
        do {
            return try await body()
        } catch let error as RedisError where error.code == .noGroup {
            return nil
        } catch let error as RedisError where error.code == .server {
            if try await redis.keyType(key) != .stream { return nil }
            throw error
        }
    }
}
