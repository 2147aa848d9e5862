import Logging
import Metrics
import Prometheus

/// The process's Prometheus registry and the swift-metrics factory that fills it.
public enum MetricsRegistry {
    /// A factory over `registry` that gives every metric a Prometheus name: Hummingbird's
    /// OpenTelemetry-style names (`hb.requests`, `http.route`) are renamed, and any other dot
    /// or dash becomes an underscore.
    public static func factory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (prometheusName(name), labels.map { (prometheusName($0.0), $0.1) })
        }
        // Batches and command round trips live between a millisecond and a few seconds.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        return factory
    }

    static let renamed = [
        "hb.requests": "http_requests_total",
        "hb.request.errors": "http_request_errors_total",
        "http.server.request.duration": "http_request_duration_seconds",
        "http.server.active_requests": "http_active_requests",
        "http.route": "route",
        "http.request.method": "method",
        "http.response.status_code": "status",
        "error.type": "status",
    ]

    static func prometheusName(_ name: String) -> String {
        if let renamed = renamed[name] { return renamed }
        return String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }
}

/// Sets up a process's logging and metrics, once, at start-up.
public enum ProcessObservability {
    /// Logging in `settings`' format and level, and swift-metrics into a Prometheus registry,
    /// which it returns for the `/metrics` endpoint.
    public static func bootstrap(_ settings: LogSettings) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in settings.makeHandler(label: label) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(MetricsRegistry.factory(registry))
        return registry
    }
}
