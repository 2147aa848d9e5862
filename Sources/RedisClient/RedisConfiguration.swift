import ClientSupport

/// Where and how to connect: endpoint, credentials, database, timeouts, reconnects, pool size.
///
/// Usually made from a URL: `redis://[user:password@]host:port/db`, or
/// `unix:///path/to/redis.sock?db=N` (password as `unix://:pass@/path` or `?password=`).
public struct RedisConfiguration: Sendable, Hashable {
    /// The server's address.
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unixSocket(let path): return "unix:\(path)"
            }
        }
    }

    public var endpoint: Endpoint
    /// ACL user for `AUTH user password`; nil sends `AUTH password` (the `default` user).
    public var username: String?
    /// Password for `AUTH`; nil sends no AUTH.
    public var password: String?
    /// Database number chosen with `SELECT` after connecting.
    public var database: Int
    /// Name set with `CLIENT SETNAME`, shown by `CLIENT LIST`; nil sets none.
    public var clientName: String?
    /// How long one connect attempt (TCP or unix socket) may take.
    public var connectTimeout: Duration
    /// How long to wait for a reply. A blocking read waits its `BLOCK` time on top of this.
    public var commandTimeout: Duration
    /// Turns on TCP keepalive so a silently dead peer is noticed (TCP endpoints only).
    public var tcpKeepAlive: Bool
    /// The waits between reconnect attempts.
    public var reconnectBackoff: Backoff
    /// How long a command keeps trying to reconnect a dropped connection before it fails
    /// with `.connectionFailed`.
    public var reconnectBudget: Duration
    /// Connections in a ``RedisClient`` pool.
    public var poolSize: Int

    public init(
        endpoint: Endpoint,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        clientName: String? = nil,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5),
        tcpKeepAlive: Bool = true,
        reconnectBackoff: Backoff = Backoff(base: .milliseconds(20), cap: .milliseconds(500)),
        reconnectBudget: Duration = .seconds(3),
        poolSize: Int = 4
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.clientName = clientName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.tcpKeepAlive = tcpKeepAlive
        self.reconnectBackoff = reconnectBackoff
        self.reconnectBudget = reconnectBudget
        self.poolSize = poolSize
    }

    /// Parses a `redis://` or `unix://` URL; other settings keep their defaults.
    /// Throws `.invalidConfiguration` naming what is wrong (`rediss://` is refused:
    /// hiredis 0.14 has no TLS).
    public init(url: String) throws {
        let parsed = try RedisURL(parsing: url)
        self.init(
            endpoint: parsed.endpoint,
            username: parsed.username,
            password: parsed.password,
            database: parsed.database,
            clientName: parsed.clientName
        )
    }

    /// Throws `.invalidConfiguration` when a setting cannot work.
    func validate() throws {
        func invalid(_ message: String) -> RedisError { RedisError(code: .invalidConfiguration, message: message) }
        if case .tcp(let host, let port) = endpoint {
            if host.isEmpty { throw invalid("the host is empty") }
            if !(1...65535).contains(port) { throw invalid("port \(port) is not in 1...65535") }
        }
        if case .unixSocket(let path) = endpoint, path.isEmpty { throw invalid("the unix socket path is empty") }
        if database < 0 { throw invalid("database \(database) is negative") }
        if poolSize < 1 { throw invalid("pool size must be at least 1, not \(poolSize)") }
        if connectTimeout <= .zero { throw invalid("connect timeout must be positive") }
        if commandTimeout <= .zero { throw invalid("command timeout must be positive") }
        if reconnectBudget < .zero { throw invalid("reconnect budget must not be negative") }
        if username != nil && password == nil { throw invalid("a user name needs a password") }
    }
}
