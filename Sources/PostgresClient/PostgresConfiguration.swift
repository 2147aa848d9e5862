import CLibpq
import ClientSupport
import Foundation

/// Where and how to connect, and how big the pool is.
///
/// The connection string is a URL (`postgresql://user:pass@host:port/db?sslmode=require`) or
/// a keyword string (`host=… port=… dbname=…`). It goes to libpq unchanged, so everything libpq
/// understands works, including the `PG*` environment variables for anything the string leaves
/// out (`PGHOST`, `PGPASSWORD`, `PGSSLMODE`, `PGAPPNAME`, …). TLS is libpq's `sslmode`.
public struct PostgresConfiguration: Sendable {
    /// The URL or keyword string, exactly as given.
    public var connectionString: String
    /// How many connections the client opens at most.
    public var poolSize: Int
    /// Overrides `connect_timeout` (whole seconds, libpq's minimum is 2). Nil leaves it to the
    /// string or `PGCONNECT_TIMEOUT`.
    public var connectTimeout: Duration?
    /// Overrides `application_name` (shown in `pg_stat_activity`). Nil leaves it to the string
    /// or `PGAPPNAME`.
    public var applicationName: String?
    /// How long a broken connection waits between attempts to reconnect.
    public var reconnectBackoff: Backoff
    /// How many times a broken connection tries to reconnect before the statement fails.
    public var reconnectAttempts: Int

    /// Checks the string with libpq's own parser; throws `.invalidConfiguration` if it rejects it.
    /// An empty string takes everything from the `PG*` environment variables and libpq's defaults.
    public init(
        _ connectionString: String,
        poolSize: Int = 4,
        connectTimeout: Duration? = nil,
        applicationName: String? = nil,
        reconnectBackoff: Backoff = Backoff(base: .milliseconds(50), cap: .seconds(1)),
        reconnectAttempts: Int = 3
    ) throws {
        precondition(poolSize > 0, "a pool needs at least one connection")
        _ = try Self.parse(connectionString)
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.reconnectBackoff = reconnectBackoff
        self.reconnectAttempts = reconnectAttempts
    }

    /// The value the connection string itself gives `keyword` (e.g. `"dbname"`, `"sslmode"`),
    /// as libpq parses it; nil when the string leaves it out (libpq then looks at the environment).
    public func parameter(_ keyword: String) -> String? {
        (try? Self.parse(connectionString))?[keyword]
    }

    private static func parse(_ connectionString: String) throws -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                code: .invalidConfiguration,
                message: "invalid connection string: \(reason.trimmingTrailingNewlines)"
            )
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return values
    }

    /// Calls `body` with the keyword/value arrays for `PQconnectdbParams`: the connection string
    /// first (expanded by libpq), then our overrides, which win because libpq keeps the last value.
    func withConnectParameters<R>(
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        var pairs: [(String, String)] = [("dbname", connectionString)]
        if let connectTimeout {
            let seconds = max(1, connectTimeout.components.seconds + (connectTimeout.components.attoseconds > 0 ? 1 : 0))
            pairs.append(("connect_timeout", String(seconds)))
        }
        if let applicationName { pairs.append(("application_name", applicationName)) }
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordList = keywords.map { UnsafePointer($0) } + [nil]
        let valueList = values.map { UnsafePointer($0) } + [nil]
        return keywordList.withUnsafeBufferPointer { keywordBuffer in
            valueList.withUnsafeBufferPointer { valueBuffer in
                body(keywordBuffer.baseAddress!, valueBuffer.baseAddress!)
            }
        }
    }
}

extension String {
    /// libpq's messages end in a newline.
    var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" { text = text.dropLast() }
        return String(text)
    }
}
