import Logging

/// How a process logs: its level and its format. Every executable reads them the same way,
/// from `LOG_LEVEL` and `LOG_FORMAT` (or the flags that override them).
public struct LogSettings: Sendable, Equatable {
    /// `text`: swift-log's readable lines. `json`: one JSON object per line, for collectors.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var level: Logger.Level
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }

    /// Reads `LOG_LEVEL` (default info) and `LOG_FORMAT` (default text); a value that is not
    /// one of the allowed ones is an error that names them.
    public static func fromEnvironment(_ environment: [String: String]) throws -> LogSettings {
        var settings = LogSettings()
        if let raw = environment["LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                throw LogSettingsError("LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not \(raw)")
            }
            settings.level = level
        }
        if let raw = environment["LOG_FORMAT"] {
            guard let format = Format(rawValue: raw.lowercased()) else {
                throw LogSettingsError("LOG_FORMAT must be one of \(Format.allCases.map(\.rawValue).joined(separator: ", ")), not \(raw)")
            }
            settings.format = format
        }
        return settings
    }

    /// A handler for `label` in this format and level, writing to standard output.
    public func makeHandler(label: String) -> any LogHandler {
        switch format {
        case .text:
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label, output: .standardOutput)
            handler.logLevel = level
            return handler
        }
    }
}

public struct LogSettingsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
