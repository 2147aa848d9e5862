import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Observability
import PostgresClient
import Prometheus
import RedisClient
import TestSupport
import Testing

@Suite("operations endpoints", .timeLimit(.minutes(2)))
struct OperationsServerTests {
    struct FixedProbe: ReadinessProbe {
        let ready: Bool
        func isReady() async -> Bool { ready }
    }

    @Test("/healthz answers 200, /readyz follows the probe, /metrics serves the registry as Prometheus text")
    func endpoints() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = MetricsRegistry.factory(registry)
        Counter(label: "worker_messages_processed_total", dimensions: [("service", "orders")], factory: factory).increment(by: 3)
        Timer(label: "worker_batch_duration_seconds", dimensions: [("service", "orders")], factory: factory)
            .record(duration: .milliseconds(7))
        for ready in [true, false] {
            let app = OperationsServer.make(
                host: "127.0.0.1", port: 0, registry: registry, readiness: FixedProbe(ready: ready), logger: Logger(label: "test"))
            try await app.test(.router) { client in
                let health = try await client.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
                let readiness = try await client.execute(uri: "/readyz", method: .get)
                #expect(readiness.status == (ready ? .ok : .serviceUnavailable))
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.status == .ok)
                #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: metrics.body)
                #expect(text.contains(#"worker_messages_processed_total{service="orders"} 3"#), "\(text)")
                #expect(text.contains(#"worker_batch_duration_seconds_bucket{service="orders",le="0.01"} 1"#), "\(text)")
            }
        }
    }

    @Test("Hummingbird's request metrics get Prometheus names: http_requests_total by route, method and status")
    func requestMetricNames() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = MetricsRegistry.factory(registry)
        Counter(label: "hb.requests", dimensions: [("http.route", "/api/orders"), ("http.request.method", "POST"), ("http.response.status_code", "201")], factory: factory)
            .increment()
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        #expect(text.contains(#"http_requests_total{route="/api/orders",method="POST",status="201"} 1"#), "\(text)")
    }

    @Test("servers readiness: true against live Redis and Postgres, false within its deadline when one is down")
    func serversReadiness() async throws {
        let redisServer = try await TestServers.redis()
        let postgres = try await TestServers.postgres()
        let redis = try RedisClient(configuration: try RedisConfiguration(url: redisServer.url), logger: Logger(label: "test"))
        let database = PostgresClient(configuration: try PostgresConfiguration(postgres.url(database: "postgres"), poolSize: 1), logger: Logger(label: "test"))
        let deadRedis = try RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:1/0"), logger: Logger(label: "test"))
        defer {
            Task {
                await redis.shutdown()
                await deadRedis.shutdown()
                await database.close()
            }
        }
        // A deadline far above what live servers need, even on a loaded 2-core machine.
        #expect(await ServersReadiness(redis: redis, database: database, timeout: .seconds(30)).isReady())
        let started = ContinuousClock.now
        #expect(await ServersReadiness(redis: deadRedis, database: database, timeout: .seconds(1)).isReady() == false)
        // Not ready once its 1 s deadline passes, not after the client's reconnect attempts.
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
