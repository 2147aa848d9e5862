import AuthService
import Contracts
import FleetTestSupport
import Foundation
import PostgresClient
import WorkerRuntime

/// An auth worker (or several, in one consumer group) on a database and key prefix of the
/// test's own, at bcrypt's lowest allowed cost so the tests stay quick.
struct AuthFixture {
    let harness: ServiceHarness
    let workers: [RunningWorker]

    static func start(workers count: Int = 1) async throws -> AuthFixture {
        let harness = try await ServiceHarness.make()
        var workers: [RunningWorker] = []
        for index in 0..<count {
            let service = try AuthService.definition(configuration: harness.configuration(), bcryptCost: 10, environment: [:])
            workers.append(try await harness.start(service, consumer: "auth-\(index)"))
        }
        return AuthFixture(harness: harness, workers: workers)
    }

    func signUp(_ email: String, _ password: String) async throws -> CommandReply {
        try await harness.send(SignUp(email: email, password: .clear(password)), userID: nil)
    }

    func signIn(_ email: String, _ password: String) async throws -> CommandReply {
        try await harness.send(SignIn(email: email, password: .clear(password)), userID: nil)
    }

    /// Every reply body this fixture's commands got.
    func replyBodies() async throws -> [String] {
        try await harness.redis.xrange(harness.replyStream).compactMap { $0["body"] }
    }

    func stop() async throws {
        for worker in workers { try await worker.stop() }
        await harness.close()
    }
}
