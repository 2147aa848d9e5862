import ArgumentParser
import Contracts
import Foundation

/// The options every admin command takes. Each falls back to the environment variable the
/// workers read, then to the fleet's default, so the tool finds the fleet it runs beside.
public struct AdminOptions: ParsableArguments {
    public static let defaultRedisURL = "redis://127.0.0.1:6379/0"

    @Option(name: .customLong("redis-url"), help: "Redis URL (REDIS_URL, default \(AdminOptions.defaultRedisURL)).")
    public var redisURL: String?
    @Option(
        name: [.customLong("key-prefix"), .customLong("prefix")],
        help: "Prefix of every Redis key (KEY_PREFIX, default \(KeySpace.defaultPrefix)).")
    public var keyPrefix: String?
    @Flag(name: .customLong("json"), help: "Print JSON for scripts instead of text for people.")
    public var json = false

    public init() {}

    /// The flag, else `REDIS_URL`, else the default.
    public func resolvedRedisURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        Self.first(redisURL, environment["REDIS_URL"]) ?? Self.defaultRedisURL
    }

    /// The flag, else `KEY_PREFIX`, else the default; refused when it is empty or has spaces.
    public func keySpace(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KeySpace {
        let prefix = Self.first(keyPrefix, environment["KEY_PREFIX"]) ?? KeySpace.defaultPrefix
        guard !prefix.contains(where: \.isWhitespace) else {
            throw AdminError(.invalidInput, "the key prefix must have no spaces, not \"\(prefix)\"")
        }
        return KeySpace(prefix: prefix)
    }

    /// Connects, builds the report, prints it as text or JSON, and disconnects.
    public func run<R: Report>(_ body: (Admin) async throws -> R) async throws {
        let admin = try await Admin.connect(url: resolvedRedisURL(), keys: try keySpace())
        let report = try await admin.run(body)
        print(json ? Output.json(report) : report.text)
    }

    /// The first value that is set and not empty, as the workers read their settings.
    private static func first(_ values: String?...) -> String? {
        values.first { $0?.isEmpty == false } ?? nil
    }
}
