import Contracts
import Foundation

/// CreatePayment's input checked again in the worker, by the API's rules: the API may be an
/// older or a buggy copy, and a command stream is not a trusted boundary.
struct PaymentInput {
    let orderID: UUID
    let token: String

    struct Problem: Error {
        let message: String
        let field: String
    }

    /// Card tokens are short ids (`tok_…`); anything far longer is not one.
    static let maximumTokenLength = 255

    static func validate(_ command: CreatePayment) -> Result<PaymentInput, Problem> {
        guard let orderID = UUID.parse(command.orderId) else {
            return .failure(Problem(message: "Order id must be a valid id", field: "orderId"))
        }
        let token = command.token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            return .failure(Problem(message: "Token is required", field: "token"))
        }
        guard token.count <= maximumTokenLength else {
            return .failure(Problem(message: "Token is too long", field: "token"))
        }
        return .success(PaymentInput(orderID: orderID, token: token))
    }
}
