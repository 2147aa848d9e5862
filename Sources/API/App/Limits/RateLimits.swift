import Foundation

/// How many attempts of each kind are allowed, and how sign-in backs off after failures.
/// Every rule is "at most `count` in any `window`" (a sliding window kept in Redis, so it holds
/// across API copies); a count of 0 turns that rule off.
public struct RateLimits: Sendable, Hashable {
    public struct Rule: Sendable, Hashable, CustomStringConvertible {
        public var count: Int
        public var window: Duration

        public init(_ count: Int, per window: Duration) {
            self.count = count
            self.window = window
        }

        public static let off = Rule(0, per: .seconds(1))

        public var isOn: Bool { count > 0 }

        /// `COUNT/SECONDS`, e.g. `10/300`; `0` alone turns the rule off.
        public init?(parsing text: String) {
            if text.trimmingCharacters(in: .whitespaces) == "0" { self = .off; return }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2,
                  let count = Int(parts[0].trimmingCharacters(in: .whitespaces)), count >= 0,
                  let seconds = Int(parts[1].trimmingCharacters(in: .whitespaces)), (1...86_400 * 30).contains(seconds)
            else { return nil }
            self.init(count, per: .seconds(seconds))
        }

        public var description: String { isOn ? "\(count)/\(window.components.seconds)" : "0" }
    }

    /// `RATE_LIMITS`: off turns every limit below off (benchmarks); on by default.
    public var enabled = true
    /// `LIMIT_SIGNIN_ACCOUNT`: sign-in attempts per email, whatever the address.
    public var signInPerAccount = Rule(10, per: .seconds(300))
    /// `LIMIT_SIGNIN_ADDRESS`: sign-in attempts per client address, whatever the email.
    public var signInPerAddress = Rule(30, per: .seconds(300))
    /// `LIMIT_SIGNUP_ADDRESS`: sign-ups per client address.
    public var signUpPerAddress = Rule(10, per: .seconds(3600))
    /// `LIMIT_ORDERS_USER`: orders a user may create per window. With the window as long as an
    /// order waits for payment (15 minutes), it bounds the orders a user holds at once.
    public var ordersPerUser = Rule(20, per: .seconds(900))
    /// `LIMIT_PAYMENTS_ORDER`: payment attempts per order (card testing).
    public var paymentsPerOrder = Rule(5, per: .seconds(900))
    /// `LIMIT_PAYMENTS_USER`: payment attempts per user, whatever the order.
    public var paymentsPerUser = Rule(20, per: .seconds(3600))
    /// `SIGNIN_BACKOFF_BASE_MS`: after a failed sign-in the account waits this long, doubled
    /// with each further failure; a success resets it. 0 turns the back-off off.
    public var signInBackoffBase: Duration = .seconds(1)
    /// `SIGNIN_BACKOFF_MAX_MS`: the longest wait the back-off imposes.
    public var signInBackoffMax: Duration = .seconds(900)

    public init() {}

    /// Overrides rules with the environment variables that are set (empty counts as unset).
    mutating func apply(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            return raw
        }
        if let raw = value("RATE_LIMITS") {
            guard let flag = APIConfiguration.flag(raw) else { throw APIConfigurationError("RATE_LIMITS must be on or off, not \(raw)") }
            enabled = flag
        }
        let rules: [(String, WritableKeyPath<RateLimits, Rule>)] = [
            ("LIMIT_SIGNIN_ACCOUNT", \.signInPerAccount), ("LIMIT_SIGNIN_ADDRESS", \.signInPerAddress),
            ("LIMIT_SIGNUP_ADDRESS", \.signUpPerAddress), ("LIMIT_ORDERS_USER", \.ordersPerUser),
            ("LIMIT_PAYMENTS_ORDER", \.paymentsPerOrder), ("LIMIT_PAYMENTS_USER", \.paymentsPerUser),
        ]
        for (name, path) in rules {
            guard let raw = value(name) else { continue }
            guard let rule = Rule(parsing: raw) else {
                throw APIConfigurationError("\(name) must be COUNT/SECONDS (e.g. 10/300) or 0 for off, not \(raw)")
            }
            self[keyPath: path] = rule
        }
        let backoffs: [(String, WritableKeyPath<RateLimits, Duration>)] = [
            ("SIGNIN_BACKOFF_BASE_MS", \.signInBackoffBase), ("SIGNIN_BACKOFF_MAX_MS", \.signInBackoffMax),
        ]
        for (name, path) in backoffs {
            guard let raw = value(name) else { continue }
            guard let number = Int(raw), (0...86_400_000).contains(number) else {
                throw APIConfigurationError("\(name) must be a whole number in 0...86400000, not \(raw)")
            }
            self[keyPath: path] = .milliseconds(number)
        }
    }
}
