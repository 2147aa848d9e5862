import Contracts
import Hummingbird

/// An error a client is meant to see: a status and the documented body
/// `{"errors":[{"message","field"}]}`. Mapped to a response once, by ``ErrorMiddleware``.
public struct APIError: Error, Sendable, Hashable {
    public let status: HTTPResponse.Status
    public let body: ErrorBody

    public init(_ status: HTTPResponse.Status, _ items: [ErrorBody.Item]) {
        self.status = status
        self.body = ErrorBody(errors: items)
    }

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.init(status, [ErrorBody.Item(message: message, field: field)])
    }

    static let notAuthorized = APIError(.unauthorized, "Not authorized")
    static let notFound = APIError(.notFound, "Not found")
    static let bodyTooLarge = APIError(.contentTooLarge, "Request body is too large")
    static let malformedJSON = APIError(.badRequest, "Request body is not valid JSON")
    static let notAnObject = APIError(.badRequest, "Request body must be a JSON object")
    static let unexpected = APIError(.internalServerError, "Something went wrong")
    static let unavailable = APIError(.serviceUnavailable, "Service unavailable")
    static let notJSONMediaType = APIError(.unsupportedMediaType, "Content-Type must be application/json")

    static func wrongType(_ field: String) -> APIError {
        APIError(.badRequest, "\(field) has the wrong type", field: field)
    }

    /// 400 with one item per invalid input.
    static func invalid(_ items: [ErrorBody.Item]) -> APIError {
        APIError(.badRequest, items)
    }
}
