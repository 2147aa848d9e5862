import API
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RedisClient
import TestSupport
import Testing

@Suite("operations port and readiness", .timeLimit(.minutes(3)))
struct OperationsPortTests {
    @Test("/metrics is absent from the public port (404) and served on the operations port")
    func metricsOffThePublicPort() async throws {
        let harness = try await APITestHarness.make()
        var configuration = harness.configuration()
        // Ready means Redis and Postgres answered within this; a loaded machine needs more than 1 s.
        configuration.readinessTimeout = .seconds(10)
        let port = try BuiltProducts.freePort()
        configuration.metricsPort = port
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        do {
            let app = try await buildApplication(configuration: configuration, logger: logger, metrics: PrometheusCollectorRegistry())
            try await app.test(.router) { client in
                let public_ = try await client.send(.get, "/metrics")
                #expect(public_.status == .notFound)
                #expect(public_.errors.count == 1)
                let (status, type) = try await Self.get("http://127.0.0.1:\(port)/metrics")
                #expect(status == 200)
                #expect(type?.hasPrefix("text/plain") == true)
                #expect(try await Self.get("http://127.0.0.1:\(port)/readyz").status == 200)
            }
            try await harness.close()
        } catch {
            try? await harness.close()
            throw error
        }
    }

    @Test("/readyz answers from a one-second cache: 100 probes cost Redis a PING a second, not 100")
    func readinessIsCached() async throws {
        // Ready means Redis and Postgres answered within the timeout; a loaded machine needs more than 1 s.
        try await APITestHarness.with(configure: { $0.readinessTimeout = .seconds(10) }) { harness, client in
            let started = ContinuousClock.now
            let before = try await Self.pingCalls(harness.services.redis)
            for _ in 0..<100 {
                #expect(try await client.send(.get, "/readyz").status == .ok)
            }
            let after = try await Self.pingCalls(harness.services.redis)
            let seconds = (ContinuousClock.now - started).components.seconds
            // The server is shared: other tests' processes ping it meanwhile, so only a bound.
            #expect(after - before < 50, "\(after - before) PINGs for 100 probes in \(seconds) s")
        }
    }

    static func pingCalls(_ redis: RedisClient) async throws -> Int {
        let stats = try await redis.info("commandstats")
        let line = stats["cmdstat_ping"] ?? ""
        let calls = line.split(separator: ",").first { $0.hasPrefix("calls=") }?.dropFirst("calls=".count)
        return calls.flatMap { Int($0) } ?? 0
    }

    /// GETs `url`, retrying while the operations server starts.
    static func get(_ url: String) async throws -> (status: Int, contentType: String?) {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                let (_, response) = try await URLSession.shared.data(from: URL(string: url)!)
                let http = response as! HTTPURLResponse
                return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"))
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
