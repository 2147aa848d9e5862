import Foundation
import RedisClient
import TestSupport
import Testing

extension FleetProcesses {
    /// deploy/redis/users.acl.template against a real Redis: the whole fleet runs a purchase with
    /// each process under its own ACL user and is refused nothing, while each user is refused
    /// what it has no business doing.
    @Suite("Redis ACL users", .serialized, .timeLimit(.minutes(4)))
    struct RedisACLTests {
        static let users = ["api", "auth", "tickets", "orders", "expiration", "payments", "admin", "keda"]

        /// The template with the prefix and passwords filled in, comments dropped, plus a `root`
        /// user the test inspects with (not in the deployed file).
        static func render(prefix: String, passwords: [String: String], rootPassword: String) throws -> String {
            let template = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("deploy/redis/users.acl.template")
            var text = try String(contentsOf: template, encoding: .utf8).replacingOccurrences(of: "{{PREFIX}}", with: prefix)
            for (user, password) in passwords { text = text.replacingOccurrences(of: "{{\(user.uppercased())_PASSWORD}}", with: password) }
            let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(!lines.contains { $0.contains("{{") }, "a placeholder was left in the ACL file")
            return (lines + ["user root on >\(rootPassword) ~* &* +@all"]).joined(separator: "\n") + "\n"
        }

        @Test("each process runs a purchase under its own user, denied nothing; a worker cannot write another service's commands or FLUSHALL")
        func fleetUnderACLs() async throws {
            let prefix = TestServers.uniqueName("acl")
            var passwords: [String: String] = [:]
            for user in Self.users { passwords[user] = UUID().uuidString.replacingOccurrences(of: "-", with: "") }
            let rootPassword = UUID().uuidString
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ticketing-acl-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let aclFile = directory.appendingPathComponent("users.acl")
            try Self.render(prefix: prefix, passwords: passwords, rootPassword: rootPassword).write(to: aclFile, atomically: true, encoding: .utf8)
            let redis = try await RedisServer.start(extraArguments: ["--aclfile", aclFile.path])
            func url(_ user: String, _ password: String) -> String { "redis://\(user):\(password)@127.0.0.1:\(redis.port)/0" }
            func client(_ user: String) async throws -> RedisClient {
                try await RedisClient.connect(configuration: try RedisConfiguration(url: url(user, user == "root" ? rootPassword : passwords[user]!)))
            }

            var perProcess: [String: [String: String]] = ["api": ["REDIS_URL": url("api", passwords["api"]!)]]
            for worker in Fleet.workers {
                let user = String(worker.dropLast("-worker".count))
                perProcess[worker] = ["REDIS_URL": url(user, passwords[user]!)]
            }
            let fleet = try await Fleet.start(environment: ["KEY_PREFIX": prefix], redis: redis, processEnvironment: perProcess)
            let root = try await client("root")
            do {
                let seller = try await fleet.signUp("seller")
                let buyer = try await fleet.signUp("buyer")
                let ticket = try await fleet.createTicket(seller.token)
                let ordered = try await fleet.order(buyer.token, ticket: ticket)
                #expect(ordered.status == 201, "\(ordered.text)")
                let order = ordered.object["id"] as? String ?? ""
                let deadline = ContinuousClock.now + .seconds(15)
                var paid = try await fleet.request("POST", "/api/payments", json: ["orderId": order, "token": "tok_visa"], token: buyer.token)
                while paid.status == 404 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    paid = try await fleet.request("POST", "/api/payments", json: ["orderId": order, "token": "tok_visa"], token: buyer.token)
                }
                #expect(paid.status == 201, "\(paid.text)")
                let completed = try await fleet.eventually("/api/orders/\(order)", token: buyer.token) { $0.object["status"] as? String == "complete" }
                #expect(completed.object["status"] as? String == "complete", "\(completed.text)\n\(fleet.logs())")
                #expect(try await fleet.request("POST", "/api/users/signout", token: buyer.token).status == 200)
                #expect(try await fleet.request("GET", "/api/orders", token: buyer.token).status == 401)

                // No process was refused anything along the way.
                let denials = try await root.send("ACL", "LOG").array ?? []
                #expect(denials.isEmpty, "ACL LOG: \(denials)\n\(fleet.logs())")

                func refused(_ user: String, _ arguments: [String]) async throws -> Bool {
                    let connection = try await client(user)
                    defer { Task { await connection.shutdown() } }
                    do {
                        _ = try await connection.send(RedisCommand(arguments[0], arguments: Array(arguments.dropFirst())))
                        return false
                    } catch let error as RedisError {
                        return "\(error)".contains("NOPERM")
                    }
                }
                for worker in ["auth", "tickets", "orders", "expiration", "payments"] {
                    let other = worker == "payments" ? "orders" : "payments"
                    #expect(try await refused(worker, ["XADD", "\(prefix):commands:\(other)", "*", "type", "forged"]), "\(worker) wrote \(other)'s commands")
                    #expect(try await refused(worker, ["FLUSHALL"]), "\(worker) flushed")
                    #expect(try await refused(worker, ["GET", "\(prefix):revoked:x"]), "\(worker) read the API's keys")
                }
                #expect(try await refused("api", ["FLUSHALL"]))
                #expect(try await refused("api", ["XADD", "\(prefix):events:order:created", "*", "type", "forged"]))
                #expect(try await refused("api", ["CONFIG", "SET", "appendonly", "no"]))
                #expect(try await refused("keda", ["XADD", "\(prefix):commands:orders", "*", "type", "forged"]))
                #expect(try await refused("admin", ["FLUSHALL"]))
                #expect(try await refused("admin", ["GET", "another-app:secret"]))
            } catch {
                Issue.record(error)
            }
            await root.shutdown()
            let statuses = await fleet.stop()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
            await redis.stop()
        }
    }
}
