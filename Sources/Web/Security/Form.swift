import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, read within a size limit. Values are kept
/// only for the request that reads them (card numbers and passwords included).
struct Form: Sendable {
    private var values: [String: String] = [:]

    subscript(_ name: String) -> String? { values[name] }

    init(_ values: [String: String]) { self.values = values }

    static func read(_ request: Request, maxBytes: Int) async throws -> Form {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw FormRefusal.tooLarge
        }
        var bytes = [UInt8]()
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= maxBytes else { throw FormRefusal.tooLarge }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// `a=1&b=x+y%21`; the first value of a repeated name wins.
    static func parse(_ text: String) -> Form {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            let value = parts.count > 1 ? decode(parts[1]) ?? "" : ""
            if values[name] == nil { values[name] = value }
        }
        return Form(values)
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
