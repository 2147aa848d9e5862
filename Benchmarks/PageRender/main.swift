import API
import BenchmarkSupport
import Contracts
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Web

// Render time of every page: 1,000 requests each through the pages' routes and middleware
// (session, CSRF, templates, headers), in-process, with the reads answered from memory so the
// figures are the pages' own work, not Postgres's. p50 and p99 in milliseconds.
//
//   swift run -c release page-render-bench [requests-per-page]

let requests = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1000

final class Tickets: TicketRepository {
    let all: [TicketView]
    init(_ all: [TicketView]) { self.all = all }
    func available(limit: Int, offset: Int) async throws -> [TicketView] { Array(all.filter { $0.orderId == nil }.dropFirst(offset).prefix(limit)) }
    func ticket(id: String) async throws -> TicketView? { all.first { $0.id == id } }
    func owned(by userID: String) async throws -> [OwnedTicket] { all.filter { $0.userId == userID }.map { OwnedTicket(ticket: $0, sold: false) } }
    func isSold(id: String) async throws -> Bool { false }
}

final class Orders: OrderRepository {
    let all: [OrderView]
    init(_ all: [OrderView]) { self.all = all }
    func orders(userID: String) async throws -> [OrderView] { all.filter { $0.userId == userID } }
    func order(id: String, userID: String) async throws -> OrderView? { all.first { $0.id == id && $0.userId == userID } }
}

struct NoCommands: CommandSending {
    func send<C: Command>(_ command: C, session: Session?) async throws -> CommandResult { .pending(UUID(), pollKey: nil) }
    func poll(_ id: UUID, session: Session?, pollKey: String?) async throws -> CommandPoll { .pending(type: "x") }
}

struct Sessions: SessionIssuing {
    func signIn(_ user: UserView) async throws -> Cookie { Cookie(name: "session", value: user.id) }
    func signOut(_ session: Session?) async throws -> Cookie { Cookie(name: "session", value: "") }
}

/// Everyone is the same signed-in user, as the JSON API's session middleware would say.
struct SignedIn: RouterMiddleware {
    typealias Context = APIRequestContext
    let session: Session
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if request.headers[.cookie]?.contains("session=") == true { context.session = session }
        return try await next(request, context)
    }
}

let user = RecordID.make()
let seller = RecordID.make()
var tickets: [TicketView] = (0..<60).map { index in
    TicketView(id: RecordID.make(), title: "Concert number \(index) & friends", priceCents: 1250 + index, userId: seller, version: 0, orderId: nil)
}
let mine = (0..<20).map { index in
    TicketView(id: RecordID.make(), title: "My show \(index)", priceCents: 999, userId: user, version: 1, orderId: index % 3 == 0 ? RecordID.make() : nil)
}
tickets += mine
let orders = (0..<20).map { index in
    OrderView(
        id: RecordID.make(), status: index == 0 ? .awaitingPayment : .complete, userId: user, expiresAt: Date().addingTimeInterval(900),
        version: 0, ticket: .init(id: tickets[index].id, title: tickets[index].title, priceCents: 1250))
}

let router = Router(context: APIRequestContext.self)
router.add(middleware: SignedIn(session: Session(userID: user, email: "reader@example.com")))
let services = APIServices(
    commands: NoCommands(), tickets: Tickets(tickets), orders: Orders(orders), sessions: Sessions(),
    pageKey: SymmetricKey(size: .bits256), redis: nil, keys: KeySpace(prefix: "bench"), secureCookies: false)
_ = try await WebPages.addRoutes(to: router, services: services)

let pages: [(String, String, Bool)] = [
    ("tickets (/)", "/", false),
    ("sign up", "/auth/signup", false),
    ("sign in", "/auth/signin", false),
    ("sell a ticket", "/tickets/new", true),
    ("ticket", "/tickets/\(tickets[0].id)", true),
    ("edit ticket", "/tickets/\(mine[1].id)/edit", true),
    ("my tickets", "/tickets/mine", true),
    ("order (unpaid)", "/orders/\(orders[0].id)", true),
    ("order (paid)", "/orders/\(orders[1].id)", true),
    ("my orders", "/orders", true),
    ("still working", "/working/\(UUID().uuidString.lowercased())", true),
    ("not found", "/no/such/page", false),
]

print("page render time, \(requests) requests each, in-process (reads from memory)\n")
print(Table.label("page", 18) + Table.cell("p50 ms", 9) + Table.cell("p99 ms", 9) + Table.cell("max ms", 9) + Table.cell("bytes", 8))
try await Application(router: router).test(.router) { client in
    for (name, path, signedIn) in pages {
        let headers: HTTPFields = signedIn ? [.cookie: "session=x; csrf=\(String(repeating: "a", count: 43))"] : [.cookie: "csrf=\(String(repeating: "a", count: 43))"]
        // Warm up: first renders fill caches.
        for _ in 0..<20 { _ = try await client.execute(uri: path, method: .get, headers: headers) }
        var samples: [Double] = []
        samples.reserveCapacity(requests)
        var bytes = 0
        for _ in 0..<requests {
            let started = ContinuousClock.now
            let response = try await client.execute(uri: path, method: .get, headers: headers)
            samples.append((ContinuousClock.now - started).microseconds / 1000)
            bytes = response.body.readableBytes
            precondition((200..<500).contains(response.status.code), "\(path): \(response.status)")
        }
        let latencies = Latencies(samples)
        print(Table.label(name, 18) + Table.cell(latencies.percentile(0.5), 9, "%.3f") + Table.cell(latencies.percentile(0.99), 9, "%.3f")
              + Table.cell(latencies.sorted.last, 9, "%.3f") + Table.cell(String(bytes), 8))
    }
}
