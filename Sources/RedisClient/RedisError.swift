/// An error from the Redis client: a `code` to switch on, and a message for people.
///
/// Server error replies keep their full text in `message`; the code is derived from the
/// reply's first word (`WRONGTYPE`, `NOSCRIPT`, …), and anything unknown is `.server`.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a value callers can switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case connectionFailed, connectionLost, timeout, clientClosed
            case `protocol`, unexpectedReply, invalidConfiguration
            case wrongType, noScript, busyGroup, noGroup, noAuth, wrongPass
            case busy, loading, readOnly, server
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Could not connect: refused, timed out, or the handshake (AUTH, SELECT) failed.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection dropped while the command was in flight: it may or may not have run.
        public static let connectionLost = Code(.connectionLost)
        /// No reply within the command timeout; the command may or may not have run.
        public static let timeout = Code(.timeout)
        /// The client or connection was shut down before the command was sent.
        public static let clientClosed = Code(.clientClosed)
        /// The server sent something hiredis could not parse.
        public static let `protocol` = Code(.protocol)
        /// The reply had a shape the typed method did not expect.
        public static let unexpectedReply = Code(.unexpectedReply)
        /// The configuration or URL is not usable.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// `WRONGTYPE`: the key holds another kind of value.
        public static let wrongType = Code(.wrongType)
        /// `NOSCRIPT`: no script with that SHA1 is loaded.
        public static let noScript = Code(.noScript)
        /// `BUSYGROUP`: the consumer group already exists.
        public static let busyGroup = Code(.busyGroup)
        /// `NOGROUP`: no such stream or consumer group.
        public static let noGroup = Code(.noGroup)
        /// `NOAUTH`: the server wants AUTH first.
        public static let noAuth = Code(.noAuth)
        /// `WRONGPASS`: the user name or password is wrong.
        public static let wrongPass = Code(.wrongPass)
        /// `BUSY`: a script is running too long.
        public static let busy = Code(.busy)
        /// `LOADING`: the server is loading its data set.
        public static let loading = Code(.loading)
        /// `READONLY`: writes against a replica.
        public static let readOnly = Code(.readOnly)
        /// Any other error reply; the message has the server's full text.
        public static let server = Code(.server)

        public var description: String { base.rawValue }

        /// The code for a server error reply, from its first word.
        static func forServerReply(_ message: String) -> Code {
            let prefix = message.prefix { $0 != " " }
            switch prefix {
            case "WRONGTYPE": return .wrongType
            case "NOSCRIPT": return .noScript
            case "BUSYGROUP": return .busyGroup
            case "NOGROUP": return .noGroup
            case "NOAUTH": return .noAuth
            case "WRONGPASS": return .wrongPass
            case "BUSY": return .busy
            case "LOADING": return .loading
            case "READONLY": return .readOnly
            default: return .server
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The error for a server error reply such as `WRONGTYPE Operation against a key…`.
    public init(serverReply message: String) {
        self.init(code: .forServerReply(message), message: message)
    }

    public var description: String { "RedisError.\(code): \(message)" }

    static func unexpected(_ reply: RedisReply, expected: String) -> RedisError {
        RedisError(code: .unexpectedReply, message: "expected \(expected), got \(reply.shortDescription)")
    }
}
