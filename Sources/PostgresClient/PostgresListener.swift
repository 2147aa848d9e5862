import ClientSupport
import Logging
import Synchronization

/// A notification sent with `NOTIFY channel, 'payload'` (or `pg_notify`), delivered after the
/// sending transaction commits.
public struct PostgresNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let processID: Int32
}

/// A connection of its own that `LISTEN`s on some channels and delivers what arrives as an
/// `AsyncStream`, or to a handler called on the connection's thread as each one is read (for a
/// caller to whom a hop to another thread first is a cost).
///
/// It waits with `poll` on the socket in short slices, so ``stop()`` takes effect promptly. If
/// the session breaks it reconnects with backoff and listens again; notifications sent while it
/// was away are lost, so a consumer (like the outbox relay) should also look on a timer.
public final class PostgresListener: Sendable {
    /// Every notification on the listened channels, in the order the server sent them (none
    /// when a handler takes them). Finishes after ``stop()``.
    public let notifications: AsyncStream<PostgresNotification>

    private let connection: LibpqConnection
    private let continuation: AsyncStream<PostgresNotification>.Continuation
    private let loop = Mutex<Task<Void, Never>?>(nil)

    /// How long one wait on the socket lasts before the loop checks whether to stop.
    static let pollSlice: Duration = .milliseconds(200)

    /// Connects and runs `LISTEN` for each channel before returning, so a notification sent
    /// after this returns is delivered: to `handler` when given (on the connection's thread, in
    /// order; it must not block), else to ``notifications``.
    public static func start(
        configuration: PostgresConfiguration,
        channels: [String],
        logger: Logger = Logger(label: "postgres-listener"),
        handler: (@Sendable (PostgresNotification) -> Void)? = nil
    ) async throws -> PostgresListener {
        let connection = LibpqConnection(configuration: configuration, name: "postgres-listener", logger: logger)
        let generation: Int
        do {
            generation = try await connection.run { try $0.listenOnThread(channels) }
        } catch {
            await connection.close()
            throw error
        }
        let listener = PostgresListener(connection: connection)
        listener.startLoop(channels: channels, listenedGeneration: generation, handler: handler)
        return listener
    }

    /// A listener dropped without ``stop()`` still ends its loop (and so its connection).
    deinit {
        loop.withLock { $0?.cancel() }
    }

    private init(connection: LibpqConnection) {
        self.connection = connection
        (notifications, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    private func startLoop(
        channels: [String], listenedGeneration: Int, handler: (@Sendable (PostgresNotification) -> Void)?
    ) {
        let connection = connection
        let continuation = continuation
        let deliver = handler ?? { continuation.yield($0) }
        // On the connection's thread: each slice of waiting runs there in place, and what it
        // read is handed over from there.
        let task = Task(executorPreference: connection.thread) {
            var listened = listenedGeneration
            var failures = 0
            while !Task.isCancelled {
                do {
                    let (batch, generation) = try await connection.run(cancellable: false) { [listened] connection in
                        try connection.receiveOnThread(channels: channels, listenedGeneration: listened)
                    }
                    listened = generation
                    failures = 0
                    for notification in batch { deliver(notification) }
                } catch {
                    connection.logger.warning("listener lost its connection; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: connection.configuration.reconnectBackoff.delay(attempt: failures))
                    failures += 1
                }
            }
            continuation.finish()
        }
        loop.withLock { $0 = task }
        continuation.onTermination = { _ in task.cancel() }
    }

    /// Stops listening, finishes ``notifications`` and closes the connection.
    public func stop() async {
        guard let task = loop.withLock({ $0 }) else { return }
        task.cancel()
        await task.value
        await connection.close()
    }
}

extension LibpqConnection {
    /// LISTENs on every channel; returns the session generation the LISTENs belong to.
    func listenOnThread(_ channels: [String]) throws -> Int {
        try ensureUsable()
        for channel in channels {
            try executeSimpleOnThread("LISTEN \(try escapeIdentifierOnThread(channel))")
        }
        return sessionGeneration
    }

    /// One slice of listening: LISTEN again first if the session was renewed since.
    func receiveOnThread(channels: [String], listenedGeneration: Int) throws -> ([PostgresNotification], Int) {
        try ensureUsable()
        var generation = listenedGeneration
        if sessionGeneration != listenedGeneration {
            generation = try listenOnThread(channels)
        }
        return (try waitForNotificationsOnThread(timeout: PostgresListener.pollSlice), generation)
    }
}

extension PostgresClient {
    /// Starts a ``PostgresListener`` on a connection of its own (not one of the pool's).
    public func listen(to channels: [String]) async throws -> PostgresListener {
        try await PostgresListener.start(configuration: configuration, channels: channels, logger: logger)
    }
}
