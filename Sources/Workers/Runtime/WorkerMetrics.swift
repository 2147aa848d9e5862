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
    private let trimmedEntries: Counter
    private let batchLatency: Timer
    /// Per stream read: entries delivered but not acknowledged, and entries not yet delivered
    /// to the group. Every copy of a worker reports its group's figures, so sum by copy is
    /// wrong: take `max by (service, stream)`.
    private let groupPending: [String: Gauge]
    private let groupLag: [String: Gauge]

    init(service: String, streams: [String]) {
        let dimensions = [("service", service)]
        handled = Counter(label: "worker_messages_processed_total", dimensions: dimensions)
        duplicates = Counter(label: "worker_messages_duplicate_total", dimensions: dimensions)
        failed = Counter(label: "worker_messages_failed_total", dimensions: dimensions)
        redelivered = Counter(label: "worker_messages_redelivered_total", dimensions: dimensions)
        dead = Counter(label: "worker_messages_dead_lettered_total", dimensions: dimensions)
        publishedEvents = Counter(label: "worker_events_published_total", dimensions: dimensions)
        trimmedEntries = Counter(label: "worker_stream_entries_trimmed_total", dimensions: dimensions)
        batchLatency = Timer(label: "worker_batch_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        groupPending = Dictionary(uniqueKeysWithValues: streams.map {
            ($0, Gauge(label: "worker_group_pending_entries", dimensions: dimensions + [("stream", $0)]))
        })
        groupLag = Dictionary(uniqueKeysWithValues: streams.map {
            ($0, Gauge(label: "worker_group_lag_entries", dimensions: dimensions + [("stream", $0)]))
        })
    }

    /// The group's state on one stream, as `XINFO GROUPS` reports it (lag is unknown to Redis
    /// for a while after entries are deleted from the middle of the stream).
    func groupState(stream: String, pending: Int, lag: Int?) {
        groupPending[stream]?.record(pending)
        if let lag { groupLag[stream]?.record(lag) }
    }

    func batchHandled(_ outcome: BatchOutcome, duration: Duration, redelivered count: Int) {
        handled.increment(by: outcome.handled.count - outcome.duplicates)
        duplicates.increment(by: outcome.duplicates)
        failed.increment(by: outcome.failed.count)
        redelivered.increment(by: count)
        batchLatency.record(duration: duration)
    }

    func deadLettered(_ count: Int) {
        if count > 0 { dead.increment(by: count) }
    }

    func published(_ count: Int) {
        publishedEvents.increment(by: count)
    }

    func trimmed(_ count: Int) {
        if count > 0 { trimmedEntries.increment(by: count) }
    }
}
