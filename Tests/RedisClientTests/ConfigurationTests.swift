import RedisClient
import Testing

@Suite("Redis URLs")
struct ConfigurationTests {
    @Test("a full redis URL gives host, port, user, password and database")
    func fullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://app:s%40cret@cache.internal:6380/3")
        #expect(configuration.endpoint == .tcp(host: "cache.internal", port: 6380))
        #expect(configuration.username == "app")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == 3)
    }

    @Test("defaults: port 6379, database 0, no credentials, documented timeouts")
    func defaults() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        #expect(configuration.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(configuration.database == 0)
        #expect(configuration.username == nil && configuration.password == nil)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(5))
        #expect(configuration.tcpKeepAlive)
    }

    @Test("a password alone: redis://:pass@host and the shorthand redis://pass@host")
    func passwordOnly() throws {
        let withColon = try RedisConfiguration(url: "redis://:pw@127.0.0.1:7000/1")
        #expect(withColon.username == nil && withColon.password == "pw" && withColon.database == 1)
        let shorthand = try RedisConfiguration(url: "redis://pw@127.0.0.1:7000")
        #expect(shorthand.username == nil && shorthand.password == "pw")
    }

    @Test("a bracketed IPv6 host")
    func ipv6() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:6390/2")
        #expect(configuration.endpoint == .tcp(host: "::1", port: 6390))
        #expect(configuration.database == 2)
    }

    @Test("unix socket URLs with db and password in the query or the userinfo")
    func unixSockets() throws {
        let plain = try RedisConfiguration(url: "unix:///var/run/redis.sock?db=4")
        #expect(plain.endpoint == .unixSocket(path: "/var/run/redis.sock"))
        #expect(plain.database == 4)
        let userinfo = try RedisConfiguration(url: "unix://:secret@/tmp/r.sock")
        #expect(userinfo.endpoint == .unixSocket(path: "/tmp/r.sock"))
        #expect(userinfo.password == "secret")
        let query = try RedisConfiguration(url: "unix:///tmp/r.sock?password=p2&db=1&name=worker")
        #expect(query.password == "p2" && query.database == 1 && query.clientName == "worker")
    }

    @Test(
        "bad URLs are rejected with a message naming the problem",
        arguments: [
            ("rediss://host:6380", "TLS"),
            ("http://host", "unknown scheme"),
            ("host:6379", "expected redis://"),
            ("redis://host:notaport", "port"),
            ("redis://host:70000", "port"),
            ("redis://host/abc", "database"),
            ("redis://host/-1", "database"),
            ("redis://:6379", "host is missing"),
            ("unix://", "path is missing"),
            ("unix://somehost/tmp/sock", "no host"),
            ("redis://host?db=x", "db"),
            ("redis://host?timeout=3", "unknown query parameter \"timeout\""),
            ("redis://host?user=u", "needs a password"),
        ]
    )
    func badURLs(url: String, expectedFragment: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch let error as RedisError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains(expectedFragment), "message: \(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("the password never appears in the error message")
    func passwordRedacted() {
        do {
            _ = try RedisConfiguration(url: "redis://u:hunter2@host:bad")
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test("a pool needs at least one connection")
    func invalidPoolSize() {
        var configuration = RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 6379))
        configuration.poolSize = 0
        #expect(throws: RedisError.self) { try RedisClient(configuration: configuration) }
    }
}
