import Foundation
import Hummingbird

/// Reads a request's JSON body within the size limit and decodes it, turning every way it can
/// be wrong into the documented error shape: too large → 413, not declared `application/json`
/// → 415 (a cross-site form can send `text/plain` without asking, never JSON), not JSON → 400,
/// a field of the wrong type → 400 naming the field. Unknown fields are ignored; an empty body counts as `{}`
/// so that missing fields are reported by validation, one error each.
struct JSONBody: Sendable {
    let maxBytes: Int

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let declared = request.headers[.contentType]
        if let declared, !Self.isJSON(declared) { throw APIError.notJSONMediaType }
        let bytes = try await collect(request)
        // A body with no type at all is as suspect as a wrong one; an empty one does nothing.
        if declared == nil, !bytes.isEmpty { throw APIError.notJSONMediaType }
        let data = bytes.isEmpty ? Data("{}".utf8) : bytes
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.apiError(for: error)
        }
    }

    /// The body's bytes; refuses a declared or actual size over the limit without reading on.
    func collect(_ request: Request) async throws -> Data {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw APIError.bodyTooLarge
        }
        var data = Data()
        for try await buffer in request.body {
            guard data.count + buffer.readableBytes <= maxBytes else { throw APIError.bodyTooLarge }
            data.append(contentsOf: buffer.readableBytesView)
        }
        return data
    }

    /// `application/json`, with or without parameters such as a charset.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func apiError(for error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            guard let field = fieldName(context.codingPath) else { return .notAnObject }
            return .wrongType(field)
        case .dataCorrupted(let context):
            if let field = fieldName(context.codingPath) { return .wrongType(field) }
            return .malformedJSON
        case .keyNotFound(let key, _):
            return APIError(.badRequest, "\(key.stringValue) is required", field: key.stringValue)
        @unknown default:
            return .malformedJSON
        }
    }

    private static func fieldName(_ path: [any CodingKey]) -> String? {
        path.isEmpty ? nil : path.map(\.stringValue).joined(separator: ".")
    }
}
