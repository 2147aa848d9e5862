import Foundation
import Testing

extension FleetProcesses {
    /// The web pages in a real headless Chromium (Selenium, `Tests/Browser/story.py`) against the
    /// fleet as real processes. It needs `chromium`, `chromium-driver` and Python with `selenium`,
    /// so it runs only when asked: `BROWSER_STORY=1` (`.ci/run` sets it after installing them, and
    /// `BROWSER_PYTHON` names the Python to use). Screenshots of every step go to
    /// `Tests/Browser/screenshots/` (git-ignored); a failing run leaves the last screen there.
    @Suite("browser story", .serialized, .timeLimit(.minutes(5)))
    struct BrowserStoryTests {
        static let enabled = ProcessInfo.processInfo.environment["BROWSER_STORY"] == "1"
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        static let screenshots = repository.appendingPathComponent("Tests/Browser/screenshots").path

        @Test("a seller lists, a buyer purchases, is declined, pays; a second buyer finds it reserved", .enabled(if: enabled))
        func purchase() async throws {
            // Every process logs everything it can, so a card number that reached a log would show.
            let fleet = try await Fleet.start(environment: ["LOG_LEVEL": "trace"])
            try await Self.story("purchase", fleet)
            let leaks = try await Self.cardNumbers(in: fleet)
            let statuses = await fleet.stop()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
            #expect(leaks.isEmpty, "card numbers found: \(leaks)")
        }

        /// The story typed 4242 4242 4242 4242 and 4000 0000 0000 0002. Neither may be in any
        /// process's log, any of the fleet's streams or keys, or the database.
        static func cardNumbers(in fleet: Fleet) async throws -> [String] {
            let forms = ["4242424242424242", "4242 4242 4242 4242", "4000000000000002", "4000 0000 0000 0002", "4242+4242", "4000+0000"]
            func found(_ text: String, _ place: String) -> [String] { forms.filter { text.contains($0) }.map { "\($0) in \(place)" } }
            var leaks: [String] = []
            for file in try FileManager.default.contentsOfDirectory(atPath: fleet.logDirectory) {
                let text = (try? String(contentsOfFile: "\(fleet.logDirectory)/\(file)", encoding: .utf8)) ?? ""
                #expect(!text.isEmpty || !file.hasPrefix("api"), "the api's log is empty: is LOG_LEVEL honoured?")
                leaks += found(text, file)
            }
            let redis = fleet.environment["REDIS_URL"] ?? "", prefix = fleet.environment["KEY_PREFIX"] ?? ""
            let keys = try run("redis-cli", ["-u", redis, "--scan", "--pattern", "\(prefix):*"]).split(separator: "\n").map(String.init)
            #expect(!keys.isEmpty, "the fleet's keys were found")
            for key in keys {
                let type = try run("redis-cli", ["-u", redis, "TYPE", key]).trimmingCharacters(in: .whitespacesAndNewlines)
                let dump = type == "stream" ? try run("redis-cli", ["-u", redis, "XRANGE", key, "-", "+"])
                    : type == "string" ? try run("redis-cli", ["-u", redis, "GET", key]) : ""
                leaks += found(dump, "redis \(key)")
            }
            let database = try run(postgresTool("pg_dump"), ["--data-only", fleet.environment["DATABASE_URL"] ?? ""])
            #expect(database.contains("COPY payments.payments"), "the database dump has the payments")
            leaks += found(database, "the database")
            return leaks
        }

        static func postgresTool(_ name: String) -> String {
            let root = "/usr/lib/postgresql"
            let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            return versions.map { "\(root)/\($0)/bin/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? name
        }

        /// A command's standard output; throws if it fails.
        static func run(_ tool: String, _ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            let failure = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw FleetError("\(tool) \(arguments.first ?? "") failed: \(String(decoding: failure, as: UTF8.self))")
            }
            return String(decoding: data, as: UTF8.self)
        }

        @Test("an unpaid order expires on screen and the ticket is available again", .enabled(if: enabled))
        func expiry() async throws {
            let fleet = try await Fleet.start(orderTTL: 12)
            try await Self.story("expiry", fleet)
            _ = await fleet.stop()
        }

        @Test("forms the services answer after the API's wait go through the still-working page to their outcome", .enabled(if: enabled))
        func stillWorking() async throws {
            let fleet = try await Fleet.start(commandTimeout: 1)
            try await Self.story("working", fleet)
            _ = await fleet.stop()
        }

        /// Not a pass/fail test: prints each page's p50/p99 as served by the real API (Postgres
        /// reads included) for the README. `PAGE_TIMINGS=1 swift test --filter renderTimes`.
        @Test("render times of every page over HTTP from the running fleet", .enabled(if: ProcessInfo.processInfo.environment["PAGE_TIMINGS"] == "1"))
        func renderTimes() async throws {
            let fleet = try await Fleet.start()
            let (status, text) = try await Self.run(["Tests/Browser/render_times.py", "--base-url", fleet.baseURL])
            _ = await fleet.stop()
            #expect(status == 0, "\(text)")
        }

        static func run(_ arguments: [String]) async throws -> (Int32, String) {
            try await runProgram("python3", [repository.appendingPathComponent(arguments[0]).path] + arguments.dropFirst())
        }

        /// Runs one phase of the story; its output, and the fleet's logs on failure, are the report.
        static func story(_ phase: String, _ fleet: Fleet) async throws {
            let python = ProcessInfo.processInfo.environment["BROWSER_PYTHON"] ?? "python3"
            let (status, text) = try await runProgram(python, [
                repository.appendingPathComponent("Tests/Browser/story.py").path,
                "--base-url", fleet.baseURL, "--phase", phase, "--screenshots", screenshots,
            ])
            if status != 0 {
                let logs = fleet.logs()
                _ = await fleet.stop()
                Issue.record("the browser story (\(phase)) failed (exit \(status)); screenshots in \(screenshots)\n\(text)\n\(logs)")
            }
        }
    }
}
