import Contracts
import Hummingbird

/// `/api/payments`: paying for an order is a command to the payments service.
struct PaymentsController {
    let dispatcher: CommandDispatcher
    let body: JSONBody

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post { request, context in
            _ = try context.requireSession()
            let command = try await body.decode(PaymentInput.self, from: request).create()
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
    }
}
