import Foundation

/// What an admin command prints: text for people, or its `Codable` form as JSON for scripts.
public protocol Report: Codable, Sendable {
    /// The report as people read it, without a final newline.
    var text: String { get }
}

public enum Output {
    /// The report as one JSON document, keys sorted so that output is stable.
    public static func json(_ report: some Report) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(report), as: UTF8.self)
        } catch {
            // Reports hold only strings and numbers; this cannot fail short of a bug.
            preconditionFailure("a report did not encode: \(error)")
        }
    }
}
