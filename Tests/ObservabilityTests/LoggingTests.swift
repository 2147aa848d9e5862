import Foundation
import Logging
import Observability
import Synchronization
import Testing

@Suite("logs", .timeLimit(.minutes(2)))
struct LoggingTests {
    /// Lines a JSON handler wrote, collected for reading.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var output: JSONLogHandler.Output { JSONLogHandler.Output { line in self.lines.withLock { $0.append(line) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test("a JSON log line is one parseable object with the level, logger, message, source and metadata")
    func jsonLine() throws {
        let lines = Lines()
        var handler = JSONLogHandler(label: "orders-worker", output: lines.output, metadataProvider: nil)
        handler[metadataKey: "service"] = "orders"
        let logger = Logger(label: "orders-worker") { _ in handler }
        logger.warning("message failed; it will be retried", metadata: [
            "error": "quote \" backslash \\ newline \n tab \t bell \u{07} é",
            "deliveries": "3",
            "ids": ["a", "b"],
        ])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one line whatever the strings hold")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["logger"] as? String == "orders-worker")
        #expect(object["message"] as? String == "message failed; it will be retried")
        #expect(object["source"] as? String == "ObservabilityTests")
        #expect((object["timestamp"] as? String)?.hasSuffix("Z") == true)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["service"] as? String == "orders")
        #expect(metadata["error"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} é")
        #expect(metadata["ids"] as? [String] == ["a", "b"])
    }

    @Test("the JSON handler drops lines below its level")
    func level() {
        let lines = Lines()
        var handler = JSONLogHandler(label: "api", output: lines.output, metadataProvider: nil)
        handler.logLevel = .warning
        let logger = Logger(label: "api") { _ in handler }
        logger.info("not written")
        logger.error("written")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains("\"written\"") == true)
    }

    @Test("LOG_LEVEL and LOG_FORMAT are read from the environment, and a wrong value names the allowed ones")
    func settings() throws {
        #expect(try LogSettings.fromEnvironment([:]) == LogSettings(level: .info, format: .text))
        #expect(try LogSettings.fromEnvironment(["LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"]) == LogSettings(level: .debug, format: .json))
        #expect {
            try LogSettings.fromEnvironment(["LOG_FORMAT": "xml"])
        } throws: { "\($0)".contains("text, json") }
        #expect {
            try LogSettings.fromEnvironment(["LOG_LEVEL": "loud"])
        } throws: { "\($0)".contains("info") }
    }
}
