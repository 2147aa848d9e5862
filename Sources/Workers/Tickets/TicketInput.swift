import Contracts
import Foundation

/// The rules for a ticket's title and price, applied again here although the API checked
/// them: a command can reach the stream by other ways than the API.
enum TicketInput {
    static let titleLengths = 1...200
    static let priceCents = 1...Money.maximumCents

    /// The title as stored (trimmed), and the field errors, all at once so a form can show every one.
    /// The price's field is `price`, the name clients send it under.
    static func check(title: String, priceCents: Int) -> (title: String, errors: [ErrorBody.Item]) {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [ErrorBody.Item] = []
        if trimmed.isEmpty {
            errors.append(.init(message: "Title is required", field: "title"))
        } else if trimmed.count > titleLengths.upperBound {
            errors.append(.init(message: "Title must be at most \(titleLengths.upperBound) characters", field: "title"))
        }
        if !Self.priceCents.contains(priceCents) {
            errors.append(.init(
                message: "Price must be greater than 0 and at most \(Money.maximumCents / 100)", field: "price"))
        }
        return (trimmed, errors)
    }
}
