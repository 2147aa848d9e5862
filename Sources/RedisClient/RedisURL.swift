/// The parts of a Redis URL. Hand-parsed because `unix://:pass@/path` and bracketed IPv6
/// hosts are outside what Foundation's URL types handle the same way on every platform.
struct RedisURL {
    var endpoint: RedisConfiguration.Endpoint
    var username: String?
    var password: String?
    var database = 0
    var clientName: String?

    init(parsing text: String) throws {
        func invalid(_ message: String) -> RedisError {
            RedisError(code: .invalidConfiguration, message: "invalid Redis URL \"\(Self.redacted(text))\": \(message)")
        }
        guard let schemeEnd = text.range(of: "://") else {
            throw invalid("expected redis://host:port/db or unix:///path")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        var rest = text[schemeEnd.upperBound...]

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if rest.contains("#") { throw invalid("fragments (#…) are not allowed") }

        // Authority is everything up to the first "/"; userinfo ends at its last "@".
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        let path = rest[slash...]
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = try Self.decode(userinfo[..<colon], invalid)
                username = user.isEmpty ? nil : user
                password = try Self.decode(userinfo[userinfo.index(after: colon)...], invalid)
            } else if !userinfo.isEmpty {
                // `redis://secret@host` is the common shorthand for a password alone.
                password = try Self.decode(userinfo, invalid)
            }
        }

        switch scheme {
        case "redis":
            let (host, port) = try Self.hostAndPort(authority, invalid)
            endpoint = .tcp(host: host, port: port)
            let db = path.drop { $0 == "/" }
            if !db.isEmpty {
                guard let number = Int(db), number >= 0 else {
                    throw invalid("database \"\(db)\" is not a non-negative number")
                }
                database = number
            }
        case "unix":
            guard authority.isEmpty else {
                throw invalid("a unix URL has no host (write unix:///path or unix://:password@/path)")
            }
            guard path.count > 1 else { throw invalid("the unix socket path is missing") }
            endpoint = .unixSocket(path: try Self.decode(path, invalid))
        case "rediss":
            throw invalid("rediss:// (TLS) is not supported: this client is built on hiredis 0.14, which has no TLS")
        default:
            throw invalid("unknown scheme \"\(scheme)\" (expected redis or unix)")
        }

        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", invalid)
            switch name {
            case "db":
                guard let number = Int(value), number >= 0 else {
                    throw invalid("db \"\(value)\" is not a non-negative number")
                }
                database = number
            case "password": password = value
            case "user", "username": username = value.isEmpty ? nil : value
            case "name", "client_name": clientName = value.isEmpty ? nil : value
            default:
                throw invalid("unknown query parameter \"\(name)\" (known: db, password, user, name)")
            }
        }
        if username != nil && password == nil { throw invalid("a user name needs a password") }
    }

    private static func hostAndPort(
        _ authority: Substring, _ invalid: (String) -> RedisError
    ) throws -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unclosed [ in the IPv6 host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected \"\(after)\" after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        if host.isEmpty { throw invalid("the host is missing") }
        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw invalid("port \"\(portText)\" is not a number in 1...65535")
            }
            port = number
        }
        return (String(host), port)
    }

    /// Percent-decoding, so passwords may hold `@`, `:` or `/` as `%40`, `%3A`, `%2F`.
    private static func decode(_ text: Substring, _ invalid: (String) -> RedisError) throws -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { throw invalid("bad percent-escape") }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with every password replaced (userinfo, and the query's `password=`), for
    /// error messages.
    static func redacted(_ text: String) -> String {
        var base = Substring(text)
        var query: Substring?
        if let mark = text.firstIndex(of: "?") {
            base = text[..<mark]
            query = text[text.index(after: mark)...]
        }
        var result = String(base)
        if let schemeEnd = base.range(of: "://"), let at = base[schemeEnd.upperBound...].lastIndex(of: "@") {
            let userinfo = base[schemeEnd.upperBound..<at]
            let secretStart = userinfo.firstIndex(of: ":").map { userinfo.index(after: $0) } ?? schemeEnd.upperBound
            result = String(base[..<secretStart]) + "***" + String(base[at...])
        }
        guard let query else { return result }
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            parameter.lowercased().hasPrefix("password=") ? "password=***" : String(parameter)
        }
        return result + "?" + parameters.joined(separator: "&")
    }
}
