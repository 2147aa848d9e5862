import Contracts
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line:
/// `{"timestamp":"…","level":"info","logger":"api","message":"…","source":"API","metadata":{…}}`.
/// Metadata stays under its own key, so a field of ours never collides with a caller's.
public struct JSONLogHandler: LogHandler {
    /// Where the lines go: standard output, or a closure (tests).
    public struct Output: Sendable {
        let write: @Sendable (String) -> Void

        public static let standardOutput = Output { line in
            // One write per line, under a lock, so concurrent lines never interleave.
            standardOutputLock.withLock { _ in
                var line = line
                line.withUTF8 { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = Glibc.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                        if written > 0 { offset += written } else if errno != EINTR { return }
                    }
                }
            }
        }

        public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }
    }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: Output

    public init(label: String, output: Output, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }

        var line = "{\"timestamp\":"
        JSONText.appendString(Timestamp.format(Date()), to: &line)
        line += ",\"level\":"
        JSONText.appendString(event.level.rawValue, to: &line)
        line += ",\"logger\":"
        JSONText.appendString(label, to: &line)
        line += ",\"message\":"
        JSONText.appendString(event.message.description, to: &line)
        line += ",\"source\":"
        JSONText.appendString(event.source, to: &line)
        if !merged.isEmpty {
            line += ",\"metadata\":"
            JSONText.append(.dictionary(merged), to: &line)
        }
        line += "}\n"
        output.write(line)
    }
}

private let standardOutputLock = Mutex<Void>(())

/// JSON text for log values, written by hand: it runs for every line, and the output must stay
/// one line whatever the strings hold.
enum JSONText {
    static func append(_ value: Logger.Metadata.Value, to text: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &text)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &text)
        case .array(let values):
            text += "["
            for (index, element) in values.enumerated() {
                if index > 0 { text += "," }
                append(element, to: &text)
            }
            text += "]"
        case .dictionary(let dictionary):
            text += "{"
            // Sorted, so the same metadata always reads the same.
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                append(dictionary[key]!, to: &text)
            }
            text += "}"
        }
    }

    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
