import Hummingbird
import Logging
import Prometheus

/// The small HTTP listener a worker runs beside its loops, for its operators rather than its
/// users: `/metrics` for Prometheus, `/healthz` for liveness (the process answers) and
/// `/readyz` for readiness (see the probe given).
public enum OperationsServer {
    public static func make(
        host: String, port: Int, registry: PrometheusCollectorRegistry, readiness: any ReadinessProbe, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in statusResponse(.ok, "ok") }
        router.get("/readyz") { _, _ in
            await readiness.isReady() ? statusResponse(.ok, "ready") : statusResponse(.serviceUnavailable, "unavailable")
        }
        MetricsEndpoint(registry: registry).addRoute(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "operations"),
            onServerRunning: { channel in
                logger.info("operations endpoints listening", metadata: [
                    "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                    "paths": "/metrics /healthz /readyz",
                ])
            },
            logger: logger)
    }

    private static func statusResponse(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"\(text)\"}")))
    }
}
