import Contracts
import Hummingbird

/// `/api/tickets`: listing and reading from Postgres; creating and editing as commands to the
/// tickets service.
struct TicketsController {
    static let defaultLimit = 20

    let dispatcher: CommandDispatcher
    let repository: any TicketRepository
    let body: JSONBody

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get { request, _ in
            let (limit, offset) = try Self.page(request)
            return JSONResponse.make(status: .ok, body: try await repository.available(limit: limit, offset: offset))
        }
        group.get(":id") { _, context in
            let id = try pathID(context.parameters.get("id"))
            guard let ticket = try await repository.ticket(id: id) else {
                throw APIError(.notFound, "Ticket not found")
            }
            return JSONResponse.make(status: .ok, body: ticket)
        }
        group.post { request, context in
            _ = try context.requireSession()
            let command = try await body.decode(TicketInput.self, from: request).create()
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
        group.put(":id") { request, context in
            _ = try context.requireSession()
            let command = try await body.decode(TicketInput.self, from: request).update(id: context.parameters.get("id"))
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
    }

    /// `?limit=` 1–100 (default 20) and `?offset=` ≥ 0 (default 0).
    static func page(_ request: Request) throws -> (limit: Int, offset: Int) {
        var validation = Validation()
        var limit = defaultLimit
        var offset = 0
        if let raw = request.uri.queryParameters["limit"] {
            if let value = Int(String(raw)), (1...100).contains(value) { limit = value }
            else { validation.fail("limit must be a whole number from 1 to 100", field: "limit") }
        }
        if let raw = request.uri.queryParameters["offset"] {
            if let value = Int(String(raw)), (0...1_000_000).contains(value) { offset = value }
            else { validation.fail("offset must be a whole number from 0 to 1000000", field: "offset") }
        }
        try validation.check()
        return (limit, offset)
    }
}
