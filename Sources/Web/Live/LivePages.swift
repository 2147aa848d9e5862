import API
import Contracts
import Foundation
import Hummingbird
import ServiceLifecycle

/// `/live/tickets/:id` and `/live/orders/:id`: server-sent events for the page's script. The
/// page says what it showed (`version` of a ticket, ``phase(of:)`` of an order); when the record
/// differs, one `changed` event goes out and the stream ends, and the script reloads the page,
/// which the server renders as always. Without the script (or this stream), the page is still
/// right when reloaded; the order page's countdown reloads it when the time is up.
struct LivePages: Sendable {
    /// A stream lasts at most this long; EventSource reconnects by itself (and the page's
    /// `version` or `phase` in the URL means no change is missed in between).
    static let lifetime: Duration = .seconds(60)

    let site: Site
    let live: LiveEvents

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/live/tickets/:id") { request, context in
            guard let id = RecordID.normalize(context.parameters.get("id") ?? "") else { throw HTTPError(.notFound) }
            let shown = request.uri.queryParameters["version"].flatMap { Int(String($0)) }
            let tickets = site.services.tickets
            return stream(id: id) {
                guard let ticket = try await tickets.ticket(id: id) else { return true }
                return ticket.version != shown
            }
        }
        router.get("/live/orders/:id") { request, context in
            guard let session = context.session else { throw HTTPError(.unauthorized) }
            guard let id = RecordID.normalize(context.parameters.get("id") ?? "") else { throw HTTPError(.notFound) }
            let shown = request.uri.queryParameters["phase"].map(String.init)
            let orders = site.services.orders
            guard try await orders.order(id: id, userID: session.userID) != nil else { throw HTTPError(.notFound) }
            return stream(id: id) {
                guard let order = try await orders.order(id: id, userID: session.userID) else { return true }
                return Self.phase(of: order.status) != shown
            }
        }
    }

    /// What the order page shows of a status: `created` and `awaiting:payment` look the same
    /// (the reservation being confirmed must not reload a page while a card is being typed).
    static func phase(of status: OrderStatus) -> String {
        switch status {
        case .created, .awaitingPayment: "open"
        case .complete: "paid"
        case .cancelled: "ended"
        }
    }

    /// Checks `changed` at once and on every wake-up for `id`.
    private func stream(id: String, changed: @escaping @Sendable () async throws -> Bool) -> Response {
        let (wakeUps, finish) = live.watch(id)
        let body = ResponseBody { writer in
            // A server shutting down ends the stream at once rather than waiting out its lifetime
            // (request tasks inherit the service group's graceful-shutdown signal).
            try await withGracefulShutdownHandler {
                try await Self.follow(&writer, wakeUps: wakeUps, changed: changed)
            } onGracefulShutdown: {
                finish()
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: body)
    }

    private static func follow(
        _ writer: inout any ResponseBodyWriter, wakeUps: AsyncStream<Void>, changed: @Sendable () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + Self.lifetime
        // The retry hint: reconnect after 2 s if the stream drops.
        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
        if try await changed() {
            try await writer.write(ByteBuffer(string: "event: changed\ndata: {}\n\n"))
            try await writer.finish(nil)
            return
        }
        for await _ in wakeUps {
            if try await changed() {
                try await writer.write(ByteBuffer(string: "event: changed\ndata: {}\n\n"))
                break
            }
            // A comment keeps proxies from closing an idle stream.
            try await writer.write(ByteBuffer(string: ": waiting\n\n"))
            if ContinuousClock.now > deadline { break }
        }
        try await writer.finish(nil)
    }
}
