import Contracts
import Metrics

/// Counters that show password guessing and token misuse: failed sign-ins and 401s. Never
/// labelled with an email, a user or a path's id, so they tell how much, not who.
struct SecurityMetrics: Sendable {
    /// `api_sign_in_failures_total`: sign-ins the auth service refused (wrong password,
    /// unknown email, invalid input).
    let signInFailures: Counter
    /// `api_unauthorized_total`: requests answered 401 (no session, or a token that did not verify).
    let unauthorized: Counter

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        signInFailures = Counter(label: "api_sign_in_failures_total", factory: factory)
        unauthorized = Counter(label: "api_unauthorized_total", factory: factory)
    }

    /// Counts `reply` if it refuses a sign-in.
    func record(_ reply: ServiceReply, type: String) {
        if type == SignIn.type, (400..<500).contains(reply.status) { signInFailures.increment() }
    }
}
