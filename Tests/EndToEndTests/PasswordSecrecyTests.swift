import Foundation
import PostgresClient
import RedisClient
import Testing
import TestSupport

extension FleetProcesses {
    /// No password, in any form that can be checked faster than bcrypt, is ever written to Redis
    /// (its AOF, its streams, dead letters included), to a log line or to a metric.
    @Suite("password secrecy", .timeLimit(.minutes(5)))
    struct PasswordSecrecyTests {
        @Test("a password signed up, signed in and dead-lettered appears nowhere: not in the AOF, a stream, a key, a log line or a metric")
        func passwordAppearsNowhere() async throws {
            // A Redis of its own, persisting every write as production does.
            let server = try await RedisServer.start(extraArguments: ["--appendonly", "yes", "--appendfsync", "always"])
            defer { Task { await server.stop() } }
            let fleet = try await Fleet.start(commandTimeout: 3000, environment: [
                "REDIS_URL": server.url, "LOG_LEVEL": "trace", "MAX_DELIVERIES": "2", "ACK_WAIT_MS": "1000",
            ])
            let marker = "pw-\(UUID().uuidString)"
            let email = "secret-\(UUID().uuidString.prefix(8).lowercased())@example.com"

            let signedUp = try await fleet.request("POST", "/api/users/signup", json: ["email": email, "password": marker])
            #expect(signedUp.status == 201, "\(signedUp.text)")
            let signedIn = try await fleet.request("POST", "/api/users/signin", json: ["email": email, "password": marker])
            #expect(signedIn.status == 200, "\(signedIn.text)")
            #expect(signedIn.sessionCookie != nil)

            // The auth service's table gone: the next sign-up fails on every delivery and is dead-lettered.
            let database = PostgresClient(configuration: try PostgresConfiguration(try #require(fleet.environment["DATABASE_URL"]), poolSize: 1))
            _ = try await database.query("ALTER TABLE auth.users RENAME TO users_unavailable")
            await database.close()
            let doomed = try await fleet.request("POST", "/api/users/signup", json: ["email": "doomed-\(email)", "password": marker])
            #expect(doomed.status == 202 || doomed.status == 500, "\(doomed.status) \(doomed.text)")

            let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: server.url))
            let prefix = try #require(fleet.environment["KEY_PREFIX"])
            let deadStream = "\(prefix):dead:\(prefix):commands:auth"
            let deadline = ContinuousClock.now + .seconds(60)
            while try await redis.send(RedisCommand("XLEN", deadStream)).int ?? 0 == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await redis.send(RedisCommand("XLEN", deadStream)).int == 1, "the sign-up was not dead-lettered\n\(fleet.logs())")

            // Metrics (labels included) of every process.
            var metrics = try await fleet.request("GET", "/metrics").text
            for worker in Fleet.workers { metrics += try await fleet.request("GET", "/metrics", base: fleet.operationsURL(worker)).text }

            let statuses = await fleet.stop()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")

            var places: [String: String] = ["metrics": metrics]
            for (key, value) in try await Self.everyValue(redis) { places["redis key \(key)"] = value }
            await redis.shutdown()
            let directory = try #require(try await Self.config(server, "dir"))
            let aofDirectory = "\(directory)/\(try #require(try await Self.config(server, "appenddirname")))"
            let aofFiles = try FileManager.default.contentsOfDirectory(atPath: aofDirectory)
            #expect(aofFiles.contains { $0.hasSuffix(".aof") }, "no AOF in \(aofDirectory): \(aofFiles)")
            for file in aofFiles { places["AOF \(file)"] = Self.read("\(aofDirectory)/\(file)") }
            for file in try FileManager.default.contentsOfDirectory(atPath: fleet.logDirectory) {
                places["log \(file)"] = Self.read("\(fleet.logDirectory)/\(file)")
            }
            places["redis log"] = Self.read(server.logPath)

            // The search sees what it looks for: the email is in the AOF and the dead letter.
            #expect(places.contains { $0.key.hasPrefix("AOF") && $0.value.contains(email) })
            #expect(places.contains { $0.key.hasPrefix("redis key \(deadStream)") && $0.value.contains(email) })
            let found = places.filter { $0.value.contains(marker) }.map(\.key).sorted()
            #expect(found.isEmpty, "the password was found in: \(found)")
        }

        private static func read(_ path: String) -> String {
            String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self)
        }

        private static func config(_ server: RedisServer, _ name: String) async throws -> String? {
            let redis = try await RedisClient.connect(configuration: try RedisConfiguration(url: server.url))
            defer { Task { await redis.shutdown() } }
            return try await redis.send(RedisCommand("CONFIG", "GET", name)).array?.last?.string
        }

        /// Every key of every type in the server, its whole value as text (a stream: every field
        /// of every entry).
        private static func everyValue(_ redis: RedisClient) async throws -> [String: String] {
            var values: [String: String] = [:]
            var cursor = "0"
            repeat {
                let page = try await redis.send(RedisCommand("SCAN", cursor, "COUNT", "1000")).asArray()
                cursor = try page[0].asString()
                for key in try page[1].asArray().map({ try $0.asString() }) {
                    let type = try await redis.send(RedisCommand("TYPE", key)).string ?? ""
                    let read: RedisCommand = switch type {
                    case "stream": RedisCommand("XRANGE", key, "-", "+")
                    case "hash": RedisCommand("HGETALL", key)
                    case "zset": RedisCommand("ZRANGE", key, "0", "-1", "WITHSCORES")
                    case "list": RedisCommand("LRANGE", key, "0", "-1")
                    case "set": RedisCommand("SMEMBERS", key)
                    default: RedisCommand("GET", key)
                    }
                    values[key] = flatten(try await redis.send(read))
                }
            } while cursor != "0"
            return values
        }

        private static func flatten(_ reply: RedisReply) -> String {
            if let array = reply.array { return array.map(flatten).joined(separator: "\n") }
            return reply.string ?? reply.int.map(String.init) ?? ""
        }
    }
}
