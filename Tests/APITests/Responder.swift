import Contracts
import Foundation
import PasswordSeal
import Synchronization
import WorkerRuntime

/// A stand-in for the real services: handles every command type with a canned reply and
/// remembers what it handled, so the API can be tested on its own.
final class Responder: Sendable {
    struct Handled: Sendable, Hashable {
        let type: String
        let userID: String?
        let data: String
    }

    static let takenEmail = "taken@example.com"
    static let slowTitle = "slow"
    static let slowEmail = "slow@example.com"
    /// A ticket title whose command always fails: the service gives up on it.
    static let doomedTitle = "doomed"
    /// A ticket title whose command fails until ``heal()``, then succeeds.
    static let flakyTitle = "flaky"
    /// How long a "slow" command keeps the responder busy: longer than the tests' short wait.
    static let slowDelay: Duration = .seconds(4)

    private let log = Mutex<[Handled]>([])
    private let healed = Mutex(false)
    private let flakyDone = Mutex(0)

    /// From now on a flaky command succeeds.
    func heal() { healed.withLock { $0 = true } }

    /// Flaky commands that succeeded (their effect, as far as the responder has one).
    var flakySucceeded: Int { flakyDone.withLock { $0 } }

    var handled: [Handled] { log.withLock { $0 } }

    func count(_ type: String) -> Int { handled.filter { $0.type == type }.count }

    func definition(keys: KeySpace) -> ServiceDefinition {
        var service = ServiceDefinition(name: "responder")
        on(SignUp.self, &service, keys) { command, _, context in
            if command.email == Self.slowEmail { try await Task.sleep(for: Self.slowDelay) }
            if command.email == Self.takenEmail {
                context.reject(status: 400, "Email in use", field: "email")
            } else {
                context.reply(status: 201, UserView(id: RecordID.make(), email: command.email))
            }
        }
        onMessage(SignIn.self, &service, keys) { command, message, context in
            if Self.password(of: command, id: message.envelope.id) == "right-password" {
                context.reply(status: 200, UserView(id: "0b0d5c0e-0000-4000-8000-000000000001", email: command.email))
            } else {
                context.reject(status: 400, "Invalid credentials")
            }
        }
        on(CreateTicket.self, &service, keys) { command, user, context in
            if command.title == Self.slowTitle { try await Task.sleep(for: Self.slowDelay) }
            if command.title == Self.doomedTitle { throw DoomedCommand() }
            if command.title == Self.flakyTitle {
                guard self.healed.withLock({ $0 }) else { throw DoomedCommand() }
                self.flakyDone.withLock { $0 += 1 }
            }
            context.reply(status: 201, TicketView(
                id: RecordID.make(), title: command.title, priceCents: command.priceCents,
                userId: user ?? "", version: 0, orderId: nil))
        }
        on(UpdateTicket.self, &service, keys) { command, user, context in
            context.reply(status: 200, TicketView(
                id: command.ticketId, title: command.title, priceCents: command.priceCents,
                userId: user ?? "", version: 1, orderId: nil))
        }
        on(CreateOrder.self, &service, keys) { command, user, context in
            context.reply(status: 201, OrderView(
                id: RecordID.make(), status: .created, userId: user ?? "", expiresAt: Date().addingTimeInterval(900),
                version: 0, ticket: .init(id: command.ticketId, title: "A show", priceCents: 1000)))
        }
        on(CancelOrder.self, &service, keys) { _, _, context in
            context.reply(status: 204, body: "")
        }
        on(CreatePayment.self, &service, keys) { command, _, context in
            if command.token == "tok_chargeDeclined" {
                context.reject(status: 402, "Your card was declined")
            } else {
                context.reply(status: 201, PaymentView(id: RecordID.make(), orderId: command.orderId, stripeId: "ch_test"))
            }
        }
        return service
    }

    struct DoomedCommand: Error {}

    /// The password as the auth service opens it (the API seals with the development key when
    /// none is configured, as in these tests).
    static func password<C: CarriesPassword>(of command: C, id: UUID) -> String? {
        guard case .sealed(let sealed) = command.password else { return nil }
        return try? PasswordSealer(keys: .development).open(
            sealed, for: .init(commandID: id.uuidString, type: C.type, email: command.email))
    }

    private func on<C: Command>(
        _ type: C.Type, _ service: inout ServiceDefinition, _ keys: KeySpace,
        _ body: @escaping @Sendable (C, String?, MessageContext) async throws -> Void
    ) {
        onMessage(type, &service, keys) { command, message, context in try await body(command, message.envelope.userID, context) }
    }

    private func onMessage<C: Command>(
        _ type: C.Type, _ service: inout ServiceDefinition, _ keys: KeySpace,
        _ body: @escaping @Sendable (C, IncomingMessage, MessageContext) async throws -> Void
    ) {
        service.on(C.type, in: keys.commands(C.service)) { [self] message, context in
            let command = try MessageCoding.decode(C.self, from: message.envelope.data)
            log.withLock { $0.append(Handled(type: C.type, userID: message.envelope.userID, data: message.envelope.data)) }
            try await body(command, message, context)
        }
    }
}
