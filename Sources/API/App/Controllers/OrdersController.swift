import Contracts
import Hummingbird

/// `/api/orders`: the caller's own orders from Postgres (others' are 404, never 403, so their
/// existence is not revealed); creating and cancelling as commands to the orders service.
struct OrdersController {
    let dispatcher: CommandDispatcher
    let repository: any OrderRepository
    let body: JSONBody

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get { _, context in
            let session = try context.requireSession()
            return JSONResponse.make(status: .ok, body: try await repository.orders(userID: session.userID))
        }
        group.get(":id") { _, context in
            let session = try context.requireSession()
            let id = try pathID(context.parameters.get("id"))
            guard let order = try await repository.order(id: id, userID: session.userID) else {
                throw APIError(.notFound, "Order not found")
            }
            return JSONResponse.make(status: .ok, body: order)
        }
        group.post { request, context in
            _ = try context.requireSession()
            let command = try await body.decode(OrderInput.self, from: request).create()
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
        group.delete(":id") { request, context in
            _ = try context.requireSession()
            let command = CancelOrder(orderId: try pathID(context.parameters.get("id")))
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
    }
}
