import Foundation
import WorkerRuntime

/// The orders service's own settings, each from an environment variable with a default.
public struct OrdersSettings: Sendable {
    /// `ORDER_TTL_SECONDS`: how long an order holds its ticket before it expires.
    public var orderTTL: Duration = .seconds(900)
    /// `ORDER_RECONCILE_SECONDS`: how often the reconciler looks for overdue live orders.
    public var reconcileInterval: Duration = .seconds(5)
    /// `ORDER_EXPIRY_GRACE_SECONDS`: how long past its expiry an order may stay live before the
    /// reconciler steps in; the expiration scheduler normally acts well within it.
    public var expiryGrace: Duration = .seconds(10)

    public init() {}

    /// The defaults, overridden by whichever environment variables are set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OrdersSettings {
        func seconds(_ name: String, range: ClosedRange<Int>) throws -> Duration? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            guard let value = Int(raw), range.contains(value) else {
                throw ConfigurationError("\(name) must be a whole number of seconds in \(range.lowerBound)...\(range.upperBound), not \(raw)")
            }
            return .seconds(value)
        }
        var settings = OrdersSettings()
        if let value = try seconds("ORDER_TTL_SECONDS", range: 1...604_800) { settings.orderTTL = value }
        if let value = try seconds("ORDER_RECONCILE_SECONDS", range: 1...3_600) { settings.reconcileInterval = value }
        if let value = try seconds("ORDER_EXPIRY_GRACE_SECONDS", range: 0...86_400) { settings.expiryGrace = value }
        return settings
    }
}

extension Duration {
    /// Seconds as a Double, for SQL intervals (`make_interval(secs => …)`).
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
