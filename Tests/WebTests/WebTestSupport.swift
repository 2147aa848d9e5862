import API
import Contracts
import Crypto
import Foundation
import Hummingbird
import PasswordSeal
import HummingbirdTesting
import Synchronization
@testable import Web

/// The pages on a router of their own, with the API's parts replaced by in-memory stand-ins:
/// tickets and orders in dictionaries, commands answered by a closure, sessions as plain
/// `userID|email` cookies. What the pages do with them is what these tests pin.
final class WebFixture: Sendable {
    let tickets = MemoryTickets()
    let orders = MemoryOrders()
    let commands = ScriptedCommands()
    let stripeKey: String?

    init(stripeKey: String? = nil) { self.stripeKey = stripeKey }

    func run<Value>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: PlainSessionMiddleware())
        let services = APIServices(
            commands: commands, tickets: tickets, orders: orders, sessions: PlainSessions(),
            pageKey: SymmetricKey(size: .bits256), redis: nil, keys: KeySpace(prefix: "web-test"), secureCookies: false)
        var options = WebOptions()
        options.replicaPatience = .milliseconds(300)
        options.paymentPatience = .milliseconds(200)
        options.stripePublishableKey = stripeKey
        _ = try await WebPages.addRoutes(to: router, services: services, options: options)
        return try await Application(router: router).test(.router, test)
    }
}

/// Sessions as `userID|email`, unsigned: enough to say who is signed in.
struct PlainSessions: SessionIssuing {
    func signIn(_ user: UserView) async throws -> Cookie { Cookie(name: "session", value: "\(user.id)|\(user.email)", path: "/") }
    func signOut(_ session: Session?) async throws -> Cookie { Cookie(name: "session", value: "", maxAge: 0, path: "/") }
}

struct PlainSessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let value = request.cookies["session"]?.value, let bar = value.firstIndex(of: "|") {
            context.session = Session(userID: String(value[..<bar]), email: String(value[value.index(after: bar)...]))
        }
        return try await next(request, context)
    }
}

final class MemoryTickets: TicketRepository {
    private let store = Mutex<[TicketView]>([])
    private let soldIDs = Mutex<Set<String>>([])

    func add(_ title: String, cents: Int = 1250, owner: String = RecordID.make(), order: String? = nil, version: Int = 0) -> TicketView {
        let ticket = TicketView(id: RecordID.make(), title: title, priceCents: cents, userId: owner, version: version, orderId: order)
        store.withLock { $0.append(ticket) }
        return ticket
    }

    func markSold(_ id: String) { soldIDs.withLock { _ = $0.insert(id) } }

    func available(limit: Int, offset: Int) async throws -> [TicketView] {
        Array(store.withLock { $0 }.filter { $0.orderId == nil }.dropFirst(offset).prefix(limit))
    }

    func ticket(id: String) async throws -> TicketView? { store.withLock { $0 }.first { $0.id == id } }

    func isSold(id: String) async throws -> Bool { soldIDs.withLock { $0.contains(id) } }

    func owned(by userID: String) async throws -> [OwnedTicket] {
        let sold = soldIDs.withLock { $0 }
        return store.withLock { $0 }.filter { $0.userId == userID }.map { OwnedTicket(ticket: $0, sold: sold.contains($0.id)) }
    }
}

final class MemoryOrders: OrderRepository {
    private let store = Mutex<[OrderView]>([])

    @discardableResult
    func add(user: String, ticket: TicketView, status: OrderStatus = .awaitingPayment, expiresIn: TimeInterval = 900) -> OrderView {
        let order = OrderView(
            id: RecordID.make(), status: status, userId: user, expiresAt: Date().addingTimeInterval(expiresIn), version: 0,
            ticket: .init(id: ticket.id, title: ticket.title, priceCents: Int((ticket.price * 100).rounded())))
        store.withLock { $0.append(order) }
        return order
    }

    func set(_ id: String, status: OrderStatus) {
        store.withLock { orders in
            if let index = orders.firstIndex(where: { $0.id == id }) { orders[index].status = status }
        }
    }

    func orders(userID: String) async throws -> [OrderView] { store.withLock { $0 }.filter { $0.userId == userID } }
    func order(id: String, userID: String) async throws -> OrderView? { store.withLock { $0 }.first { $0.id == id && $0.userId == userID } }
}

/// Answers commands with a closure; remembers each command's type and JSON, as the stream
/// would carry it.
final class ScriptedCommands: CommandSending {
    struct Sent: Sendable { let type: String; let data: String; let userID: String? }

    private let answer = Mutex<@Sendable (String, String, Session?) -> CommandResult>({ _, _, _ in
        .replied(ServiceReply(status: 500, body: #"{"errors":[{"message":"no answer scripted"}]}"#))
    })
    private let polls = Mutex<[UUID: CommandPoll]>([:])
    private let log = Mutex<[Sent]>([])

    var sent: [Sent] { log.withLock { $0 } }

    func answer(_ body: @escaping @Sendable (_ type: String, _ data: String, _ session: Session?) -> CommandResult) {
        answer.withLock { $0 = body }
    }

    func setPoll(_ id: UUID, _ poll: CommandPoll) { polls.withLock { $0[id] = poll } }

    func send<C: Command>(_ command: C, session: Session?) async throws -> CommandResult {
        let data = try PasswordSealer(keys: .development).payload(command, id: UUID().uuidString)
        log.withLock { $0.append(Sent(type: C.type, data: data, userID: session?.userID)) }
        return answer.withLock { $0 }(C.type, data, session)
    }

    func poll(_ id: UUID, session: Session?, pollKey: String?) async throws -> CommandPoll { polls.withLock { $0[id] } ?? .unknown }
}

// MARK: - A browser's cookies and forms

/// A browser's cookie jar and the last CSRF token it saw in a page.
final class Browser: Sendable {
    private let jar = Mutex<[String: String]>([:])

    func signIn(_ userID: String = RecordID.make(), email: String = "buyer@example.com") -> String {
        jar.withLock { $0["session"] = "\(userID)|\(email)" }
        return userID
    }

    var cookieHeader: String { jar.withLock { $0 }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    func cookie(_ name: String) -> String? { jar.withLock { $0[name] } }

    /// Sends a request with the jar's cookies and keeps the cookies the response sets.
    func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, form: [String: String]? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        let cookies = cookieHeader
        if !cookies.isEmpty { headers[.cookie] = cookies }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.joined(separator: "&"))
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            jar.withLock { jar in if value.isEmpty { jar[name] = nil } else { jar[name] = value } }
        }
        return response
    }

    /// GETs `page`, then POSTs `fields` to `action` with the CSRF token the page carried.
    func submit(_ client: any TestClientProtocol, from page: String, to action: String, _ fields: [String: String]) async throws -> TestResponse {
        let shown = try await send(client, .get, page)
        guard let token = shown.csrfToken else { throw FixtureError("no CSRF token on \(page): \(shown.text)") }
        var fields = fields
        fields["_csrf"] = token
        return try await send(client, .post, action, form: fields)
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The first `_csrf` hidden input's value.
    var csrfToken: String? {
        guard let range = text.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
