import Contracts
import Crypto
import Foundation
import Hummingbird
import RedisClient

/// Applies ``RateLimits`` to the commands that can be abused (sign-in, sign-up, orders,
/// payments), for the JSON API and the pages alike. One script call per command checks every
/// rule that applies and counts the attempt only if all allow it. Keys are
/// `<prefix>:limits:<rule>:<digest>`: the digest is a keyed hash of the email, address or
/// id, so `redis-cli --scan` shows no email or address.
public struct CommandLimits: Sendable {
    let redis: RedisClient?
    let keys: KeySpace
    let limits: RateLimits
    let digestKey: SymmetricKey
    let addresses: ClientAddressResolver

    /// Limits nothing: for code that runs the pages without Redis (tests).
    public static let off = CommandLimits(
        redis: nil, keys: KeySpace(prefix: KeySpace.defaultPrefix), limits: RateLimits(), digestKey: SymmetricKey(size: .bits256),
        addresses: ClientAddressResolver(trustedProxies: []))

    init(redis: RedisClient?, keys: KeySpace, limits: RateLimits, digestKey: SymmetricKey, addresses: ClientAddressResolver) {
        self.redis = redis
        self.keys = keys
        self.limits = limits
        self.digestKey = digestKey
        self.addresses = addresses
    }

    /// What to report back once the command is answered (sign-in's back-off needs the outcome).
    public struct Admission: Sendable {
        let backoffKey: String?
    }

    /// The client's address as the limits see it (see ``ClientAddressResolver``).
    public func client(of request: Request, context: APIRequestContext) -> String? {
        addresses.client(of: request, peer: context.remoteAddress?.ipAddress.flatMap { IPAddress($0) })
    }

    /// A command's admission, built and not yet run: the script's keys and arguments, and what
    /// to report back once the command is answered. Run alone (``admit(_:session:uncheckedSession:client:)``)
    /// or with the command's append, in the same script (``CommandBus``): one round trip.
    public struct Check: Sendable {
        let keys: [String]
        /// The script's ARGV before the append's: a unique member, the number of rules, the optional keys' flags.
        let head: [any RedisArgument]
        /// Each rule's count and window.
        let rules: [any RedisArgument]
        let admission: Admission

        /// Runs the check and, when admitted, `XADD stream * fields…` in the same script, after
        /// deleting `clearing` if given. Nothing is counted or appended when refused.
        func run(on redis: RedisClient, appending fields: [(String, String)] = [], to stream: String? = nil, clearing: String? = nil) async throws {
            var keys = keys
            // How many field-value pairs to append (0: none) and whether to delete first; then the pairs.
            var appending: [any RedisArgument] = [0, 0]
            var pairs: [any RedisArgument] = []
            if let stream {
                keys += [stream] + [clearing].compactMap { $0 }
                appending = [fields.count, clearing == nil ? 0 : 1]
                pairs = fields.flatMap { [$0.0, $0.1] }
            }
            let verdict = try await redis.evalScript(CommandLimits.admitScript, keys: keys, args: head + appending + rules + pairs).asInt()
            if verdict < 0 { throw APIError.notAuthorized }
            if verdict > 0 { throw RateLimited(retryAfterMilliseconds: verdict) }
        }
    }

    /// Counts the attempt, or throws ``RateLimited`` (429) without counting it when any rule
    /// that applies is exhausted. `client` is asked only for the commands limited by address.
    /// `uncheckedSession`, a session whose token was not yet checked against sign-outs (see
    /// ``SessionMiddleware``), is checked in the same script, first: a signed-out token is
    /// refused (401) and counts nothing. Fails closed: without Redis, or a token id, it is refused.
    public func admit<C: Command>(
        _ command: C, session: Session?, uncheckedSession: Session? = nil, client: () -> String?
    ) async throws -> Admission {
        guard let check = try check(command, session: session, uncheckedSession: uncheckedSession, client: client), let redis else {
            return Admission(backoffKey: nil)
        }
        try await check.run(on: redis)
        return check.admission
    }

    /// The ``Check`` that ``admit(_:session:uncheckedSession:client:)`` runs; nil when there is
    /// nothing to check (no rule applies, no session to check). Throws 401 for an unchecked
    /// session it cannot check.
    func check<C: Command>(_ command: C, session: Session?, uncheckedSession: Session?, client: () -> String?) throws -> Check? {
        var revokedKey: String?
        if let uncheckedSession {
            guard redis != nil, let tokenID = uncheckedSession.tokenID else { throw APIError.notAuthorized }
            revokedKey = keys.revoked(tokenID)
        }
        guard redis != nil, limits.enabled || revokedKey != nil else { return nil }
        var rules: [(key: String, rule: RateLimits.Rule)] = []
        var backoffKey: String?
        // With the limits off, only an unchecked session's revocation is left to check.
        if limits.enabled {
            switch command {
            case let signIn as SignIn:
                // One account, one key: the same normal form the auth worker keys accounts by.
                let account = CredentialRules.normalize(email: signIn.email)
                rules.append((key("signin-account", account), limits.signInPerAccount))
                if let address = client() { rules.append((key("signin-address", address), limits.signInPerAddress)) }
                if limits.signInBackoffBase > .zero { backoffKey = key("signin-backoff", account) }
            case is SignUp:
                if let address = client() { rules.append((key("signup-address", address), limits.signUpPerAddress)) }
            case is CreateOrder:
                if let session { rules.append((key("orders-user", session.userID), limits.ordersPerUser)) }
            case let payment as CreatePayment:
                rules.append((key("payments-order", payment.orderId), limits.paymentsPerOrder))
                if let session { rules.append((key("payments-user", session.userID), limits.paymentsPerUser)) }
            default:
                break
            }
        }
        rules.removeAll { !$0.rule.isOn }
        guard !rules.isEmpty || backoffKey != nil || revokedKey != nil else { return nil }

        return Check(
            keys: rules.map(\.key) + [backoffKey, revokedKey].compactMap { $0 },
            head: [UUID.random().uuidString, rules.count, backoffKey == nil ? 0 : 1, revokedKey == nil ? 0 : 1],
            rules: rules.flatMap { [$0.rule.count, $0.rule.window.redisMilliseconds] as [any RedisArgument] },
            admission: Admission(backoffKey: backoffKey))
    }

    /// Reports a command's outcome: a refused sign-in (400) lengthens the account's back-off,
    /// a successful one clears it. Other outcomes (pending, 5xx) change nothing.
    public func settle(_ admission: Admission, status: Int) async throws {
        guard let redis, let key = admission.backoffKey else { return }
        if (200..<300).contains(status) {
            _ = try await redis.del(key)
        } else if status == 400 {
            try await redis.evalScript(Self.failureScript, keys: [key], args: [
                limits.signInBackoffBase.redisMilliseconds, limits.signInBackoffMax.redisMilliseconds, Self.backoffMemory.redisMilliseconds,
            ])
        }
    }

    /// How long an account's failures are remembered after its last wait ends.
    static let backoffMemory: Duration = .seconds(3600)

    func key(_ rule: String, _ value: String) -> String {
        let digest = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: digestKey)
        return keys.custom("limits:\(rule):" + Hex.lowercase(digest.prefix(16)))
    }

    /// KEYS: one sorted set per rule (attempts scored by time), then optionally the back-off
    /// hash, a session token's revocation key, and the command stream to append to with a key
    /// to delete first. ARGV: a unique member, the number of rules, 1 or 0 for the back-off and
    /// the revocation key, the number of field-value pairs to append (0: no append), 1 or 0 for
    /// the key to delete, each rule's count and window in ms, then the fields and values.
    /// Returns -1 when the token was signed out, 0 when admitted (counted, and appended), else
    /// the milliseconds until it would be.
    static let admitScript = RedisScript("""
        local rules = tonumber(ARGV[2])
        local revoked = rules + tonumber(ARGV[3]) + 1
        if ARGV[4] == '1' and redis.call('EXISTS', KEYS[revoked]) == 1 then return -1 end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local wait = 0
        for i = 1, rules do
          local limit, window = tonumber(ARGV[5 + 2 * i]), tonumber(ARGV[6 + 2 * i])
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
          if redis.call('ZCARD', KEYS[i]) >= limit then
            local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
            wait = math.max(wait, tonumber(oldest[2]) + window - now, 1)
          end
        end
        if ARGV[3] == '1' then
          local untilTime = tonumber(redis.call('HGET', KEYS[rules + 1], 'until') or '0')
          if untilTime > now then wait = math.max(wait, untilTime - now) end
        end
        if wait > 0 then return wait end
        for i = 1, rules do
          redis.call('ZADD', KEYS[i], now, ARGV[1])
          redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[6 + 2 * i]))
        end
        local fields = tonumber(ARGV[5])
        if fields > 0 then
          local stream = revoked + tonumber(ARGV[4])
          if ARGV[6] == '1' then redis.call('DEL', KEYS[stream + 1]) end
          local first = 7 + 2 * rules
          redis.call('XADD', KEYS[stream], '*', unpack(ARGV, first, first + 2 * fields - 1))
        end
        return 0
        """)

    /// KEYS[1]: the back-off hash. ARGV: base ms, longest wait ms, how long to remember ms.
    /// Each failure doubles the wait: base, 2 × base, 4 × base, … up to the longest.
    static let failureScript = RedisScript("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
        local delay = math.min(tonumber(ARGV[1]) * 2 ^ math.min(failures - 1, 40), tonumber(ARGV[2]))
        redis.call('HSET', KEYS[1], 'until', string.format('%d', now + delay))
        redis.call('PEXPIRE', KEYS[1], math.floor(delay + tonumber(ARGV[3])))
        return math.floor(delay)
        """)
}
