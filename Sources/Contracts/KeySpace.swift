/// Every Redis key the fleet uses, built in one place from the configured prefix
/// (default `ticketing`), so `redis-cli --scan --pattern 'ticketing:*'` shows the whole fleet.
public struct KeySpace: Sendable, Hashable {
    public static let defaultPrefix = "ticketing"

    public let prefix: String

    public init(prefix: String = KeySpace.defaultPrefix) {
        precondition(!prefix.isEmpty && !prefix.contains(where: \.isWhitespace), "a key prefix has no spaces")
        self.prefix = prefix
    }

    /// `<prefix>:commands:<service>`: what the API asks a service to do.
    public func commands(_ service: ServiceName) -> String { "\(prefix):commands:\(service.rawValue)" }

    /// `<prefix>:events:<event>`: what a service announces, e.g. `ticketing:events:order:created`.
    public func events(_ event: EventName) -> String { "\(prefix):events:\(event.rawValue)" }

    /// `<prefix>:replies:<instance>`: answers for one API instance.
    public func replies(_ instance: String) -> String { "\(prefix):replies:\(instance)" }

    /// Whether `key` is a service's command stream.
    public func isCommands(_ key: String) -> Bool { key.hasPrefix("\(prefix):commands:") }

    /// Whether `key` is an API instance's reply stream.
    public func isReplies(_ key: String) -> Bool { key.hasPrefix("\(prefix):replies:") }

    /// `<prefix>:dead:<stream>`: entries given up on, kept with their last error for replay.
    public func dead(_ stream: String) -> String { "\(prefix):dead:\(stream)" }

    /// The stream a dead-letter stream holds entries of, or nil for any other key.
    public func stream(ofDead key: String) -> String? {
        let head = "\(prefix):dead:"
        return key.hasPrefix(head) ? String(key.dropFirst(head.count)) : nil
    }

    /// `<prefix>:failures:<group>`: the last error of each entry a group failed to handle,
    /// so that a dead letter can say why even when the consumer that failed is gone.
    public func failures(_ group: String) -> String { "\(prefix):failures:\(group)" }

    /// How long the two keys of a command below live: a poll of its outcome works this long.
    public static let commandKeyLifetimeSeconds = 24 * 3600

    /// `<prefix>:command-owners:<id>`: who sent command `id` and its type, kept by the API.
    public func commandOwner(_ id: String) -> String { "\(prefix):command-owners:\(id)" }

    /// `<prefix>:command-failures:<id>`: the final reply to a command its service gave up on
    /// (see ``GivenUpCommand``), until it is sent again or replayed.
    public func commandFailure(_ id: String) -> String { commandFailurePrefix + id }

    /// The part of ``commandFailure(_:)`` before the id, for scripts that learn the id themselves.
    public var commandFailurePrefix: String { "\(prefix):command-failures:" }

    /// `<prefix>:command-polls:<id>:<hash>`: the live poll key of anonymous command `id`, by
    /// its hash (the key itself is only in the client's cookie).
    public func commandPoll(_ id: String, keyHash: String) -> String { "\(prefix):command-polls:\(id):\(keyHash)" }

    /// `<prefix>:expirations`: the sorted set of orders due to expire, scored by due time.
    public var expirations: String { "\(prefix):expirations" }

    /// `<prefix>:expirations:wake`: a short stream that says "an entry now leads the schedule",
    /// so every scheduler wakes for it, whichever process scheduled it.
    public var expirationsWake: String { "\(prefix):expirations:wake" }

    /// The `SCAN … MATCH` pattern of every key under the prefix. Glob characters in the prefix
    /// are escaped, so a prefix such as `a[1]` matches only itself.
    public var everyKeyPattern: String {
        var pattern = ""
        for character in prefix {
            if "*?[]\\".contains(character) { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + ":*"
    }

    /// `<prefix>:revoked:<jti>`: a signed-out session token, kept until the token expires.
    public func revoked(_ tokenID: String) -> String { "\(prefix):revoked:\(tokenID)" }

    /// A key for tests and tools that need one of their own under the prefix.
    public func custom(_ suffix: String) -> String { "\(prefix):\(suffix)" }
}
