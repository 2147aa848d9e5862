import Contracts
import Hummingbird

/// JSON responses in the fleet's one encoding (``MessageCoding``), so bodies the API writes
/// and bodies the services reply with look the same.
enum JSONResponse {
    static func make<T: Encodable>(status: HTTPResponse.Status, body: T, headers: HTTPFields = [:]) -> Response {
        raw(status: status, json: MessageCoding.encode(body), headers: headers)
    }

    /// A body that is already JSON text (a service's reply). 204 and 304 carry no body.
    static func raw(status: HTTPResponse.Status, json: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        if status == .noContent || status == .notModified {
            return Response(status: status, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }
}
