import Foundation
import Hummingbird

/// The API's contract, `openapi.json` beside this file: every `/api` route with its requests,
/// responses and the error shape. Served at `/api/openapi.json`; a test holds it and the
/// router to the same routes, and schemathesis fuzzes the live fleet against it in CI.
public enum OpenAPIDocument {
    /// The document's bytes, read once from the module's resources.
    public static let json: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url)
        else { preconditionFailure("openapi.json is missing from the API module's resources") }
        return data
    }()

    static func addRoute(to router: Router<APIRequestContext>) {
        let body = ByteBuffer(bytes: json)
        router.get("/api/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: body))
        }
    }
}
