import RedisClient

/// Why an admin command could not do what it was asked, in words for the person who asked.
/// The executable prints `message` and exits non-zero; tests switch on `code`.
public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidInput, unreachable, notFound, notReplayable, keepsChanging, redis
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An option or argument that cannot work (a malformed id, a stream that is never trimmed).
        public static let invalidInput = Code(.invalidInput)
        /// Redis could not be reached, refused the credentials, or stopped answering.
        public static let unreachable = Code(.unreachable)
        /// No such stream or dead letter.
        public static let notFound = Code(.notFound)
        /// A dead letter that replaying would only send back to the dead letters.
        public static let notReplayable = Code(.notReplayable)
        /// The state kept changing under the command (consumer groups created while trimming).
        public static let keepsChanging = Code(.keepsChanging)
        /// Redis answered with an error.
        public static let redis = Code(.redis)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A Redis failure, naming the server by its address (never the URL, which may hold a password).
    init(redis error: RedisError, at endpoint: RedisConfiguration.Endpoint) {
        switch error.code {
        case .connectionFailed, .noAuth, .wrongPass:
            self.init(.unreachable, "cannot reach Redis at \(endpoint): \(error.message)")
        case .connectionLost, .timeout, .clientClosed:
            self.init(.unreachable, "Redis at \(endpoint) stopped answering (\(error.message)); run the command again to see where things stand")
        default:
            self.init(.redis, "Redis at \(endpoint) answered: \(error.message)")
        }
    }
}
