import API
import Foundation
import Hummingbird

/// The stylesheet and the script, read once from the package's resources and served from
/// memory with an ETag and a day's caching.
struct Assets: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    let files: [String: Asset]

    static func load() throws -> Assets {
        guard let folder = Bundle.module.url(forResource: "Assets", withExtension: nil) else {
            throw PageRendererError("the Assets resource folder is missing from the Web bundle")
        }
        var files: [String: Asset] = [:]
        for (name, type) in [("site.css", "text/css; charset=utf-8"), ("site.js", "text/javascript; charset=utf-8"), ("icon.svg", "image/svg+xml")] {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            files[name] = Asset(body: ByteBuffer(bytes: data), contentType: type, etag: "\"\(String(hash, radix: 16))\"")
        }
        return Assets(files: files)
    }

    func addRoutes(to router: Router<APIRequestContext>) {
        // Browsers ask for it whatever the page says.
        router.get("/favicon.ico") { _, _ in Response(status: .movedPermanently, headers: [.location: "/assets/icon.svg"]) }
        router.get("/assets/:name") { request, context in
            guard let name = context.parameters.get("name"), let asset = files[name] else { throw HTTPError(.notFound) }
            var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=86400"]
            if request.headers[.ifNoneMatch] == asset.etag {
                headers[.contentType] = nil
                return Response(status: .notModified, headers: headers)
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.body))
        }
    }
}
