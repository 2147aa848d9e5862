import Metrics

/// The worker's counters and timers, labelled with the service (swift-metrics; the process
/// chooses the backend).
struct WorkerMetrics: Sendable {
    private let handled: Counter
    private let duplicates: Counter
    private let failed: Counter
    private let redelivered: Counter
    private let dead: Counter
    private let publishedEvents: Counter
    private let batchLatency: Timer
    let pending: Gauge

    init(service: String) {
        let dimensions = [("service", service)]
        handled = Counter(label: "worker_messages_processed_total", dimensions: dimensions)
        duplicates = Counter(label: "worker_messages_duplicate_total", dimensions: dimensions)
        failed = Counter(label: "worker_messages_failed_total", dimensions: dimensions)
        redelivered = Counter(label: "worker_messages_redelivered_total", dimensions: dimensions)
        dead = Counter(label: "worker_messages_dead_lettered_total", dimensions: dimensions)
        publishedEvents = Counter(label: "worker_events_published_total", dimensions: dimensions)
        batchLatency = Timer(label: "worker_batch_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        pending = Gauge(label: "worker_pending_entries", dimensions: dimensions)
    }

    func batchHandled(_ outcome: BatchOutcome, duration: Duration, redelivered count: Int) {
        handled.increment(by: outcome.handled.count - outcome.duplicates)
        duplicates.increment(by: outcome.duplicates)
        failed.increment(by: outcome.failed.count)
        redelivered.increment(by: count)
        let (seconds, attoseconds) = duration.components
        batchLatency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func deadLettered(_ count: Int) {
        if count > 0 { dead.increment(by: count) }
    }

    func published(_ count: Int) {
        publishedEvents.increment(by: count)
    }
}
