import ClientSupport
import Foundation
import Logging

/// One Redis connection: one `redisContext` on one ``OwnedThread``, with auto-pipelining.
///
/// Callers queue their commands under a lock. The thread takes everything queued, writes it
/// all, then reads every reply in order and resumes each caller: concurrent callers share
/// round trips instead of waiting for each other's. A failed read fails that whole flight
/// (`.connectionLost` or `.timeout`) and drops the context; the next flight reconnects.
/// A caller already on the thread (a task that prefers it as its executor) flies in place,
/// taking along whatever others queued.
final class PipelinedConnection: @unchecked Sendable {
    typealias Replies = [Result<RedisReply, RedisError>]

    private struct Request {
        let id: UInt64
        let commands: [RedisCommand]
        let enqueuedAt: ContinuousClock.Instant
        /// Nil for the request of a caller flying in place, which takes its outcome directly.
        let continuation: CheckedContinuation<Replies, any Error>?
    }

    let configuration: RedisConfiguration
    private let logger: Logger
    private let thread: OwnedThread
    /// False when the thread was lent: closing the connection leaves it running.
    private let ownsThread: Bool
    /// A dedicated connection may shut its socket to stop a cancelled caller's blocking
    /// read; on a shared connection that would fail other callers' commands too.
    private let interruptsOnCancel: Bool

    private let lock = NSLock()
    // Guarded by `lock`.
    private var queue: [Request] = []
    private var inFlight: Set<UInt64> = []
    private var inFlightBlocks = false
    private var interrupted: Set<UInt64> = []
    private var drainScheduled = false
    private var closed = false
    private var socket: Int32?
    private var nextID: UInt64 = 0
    private var flights = 0

    // Touched on `thread` only.
    private var context: HiredisContext?
    private var everConnected = false

    init(configuration: RedisConfiguration, logger: Logger, name: String, interruptsOnCancel: Bool, thread: OwnedThread? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.thread = thread ?? OwnedThread(name: name)
        self.ownsThread = thread == nil
        self.interruptsOnCancel = interruptsOnCancel
    }

    deinit {
        // Lets queued work finish; from the thread itself this does not wait for itself.
        if ownsThread { thread.shutdown() }
    }

    /// Queued plus in-flight requests: the pool sends to the connection with the fewest.
    var load: Int {
        lock.withLock { queue.count + inFlight.count }
    }

    /// Round trips so far; tests use it to see that concurrent callers share them.
    var flightCount: Int {
        lock.withLock { flights }
    }

    /// Sends `commands` in one flight and returns one result per command, in order.
    /// Throws only when nothing could be sent or no reply read (`.connectionLost`,
    /// `.connectionFailed`, `.timeout`, `.clientClosed`) or on cancellation.
    func submit(_ commands: [RedisCommand]) async throws -> Replies {
        if commands.isEmpty { return [] }
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        if thread.isCurrent {
            return try await withTaskCancellationHandler {
                try flyInPlace(Request(id: id, commands: commands, enqueuedAt: .now, continuation: nil))
            } onCancel: {
                cancel(id)
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enqueue(Request(id: id, commands: commands, enqueuedAt: .now, continuation: continuation))
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Connects now with a single attempt, so a wrong address or password surfaces at once.
    func connect() async throws {
        do {
            try await thread.run { try self.ensureConnected(until: .now) }
        } catch is OwnedThreadError {
            throw RedisError(code: .clientClosed, message: "the Redis connection is closed")
        }
    }

    /// Fails queued commands with `.clientClosed`, lets an ordinary flight finish (a
    /// blocking read is woken and fails), frees the context and joins the thread.
    func close() async {
        let pending: [Request] = lock.withLock {
            if closed { return [] }
            closed = true
            if inFlightBlocks { wakeBlockedRead() }
            let pending = queue
            queue = []
            return pending
        }
        for request in pending {
            request.continuation?.resume(throwing: RedisError(code: .clientClosed, message: "the Redis connection was closed before the command was sent"))
        }
        _ = try? await thread.run { self.dropContext(reason: nil) }
        if ownsThread { thread.shutdown() }
    }

    // MARK: - Queue (any thread)

    private func enqueue(_ request: Request) {
        let rejection: (any Error)? = lock.withLock {
            if closed {
                return RedisError(code: .clientClosed, message: "the Redis connection is closed")
            }
            // Checked under the lock: a cancel after this point finds the request queued.
            if Task.isCancelled { return CancellationError() }
            queue.append(request)
            if !drainScheduled {
                drainScheduled = true
                thread.execute { self.drain() }
            }
            return nil
        }
        if let rejection { request.continuation?.resume(throwing: rejection) }
    }

    private func cancel(_ id: UInt64) {
        let removed: Request? = lock.withLock {
            if let index = queue.firstIndex(where: { $0.id == id }) {
                return queue.remove(at: index)
            }
            if interruptsOnCancel, inFlight.contains(id) {
                interrupted.insert(id)
                wakeBlockedRead()
            }
            return nil
        }
        removed?.continuation?.resume(throwing: CancellationError())
    }

    /// Shuts the socket down so the thread's blocked read returns at once; the flight then
    /// fails and the next one reconnects. Called under `lock`: the thread clears `socket`
    /// under it before closing the descriptor, so a reused descriptor is never hit.
    private func wakeBlockedRead() {
        if let socket { _ = shutdown(socket, Int32(SHUT_RDWR)) }
    }

    // MARK: - Flights (on `thread`)

    private func drain() {
        while let batch = takeQueued() {
            _ = flyAndResume(batch)
        }
    }

    /// The caller's own request, flown now on this thread with whatever else was queued. Queued
    /// and taken under one lock, so a `close()` from another thread either refuses it here or
    /// finds it already in flight.
    private func flyInPlace(_ request: Request) throws -> Replies {
        let batch: [Request] = try lock.withLock {
            if closed { throw RedisError(code: .clientClosed, message: "the Redis connection is closed") }
            if Task.isCancelled { throw CancellationError() }
            queue.append(request)
            return takeQueuedLocked()
        }
        // A drain job already scheduled finds the queue empty, or later requests to fly.
        return try flyAndResume(batch)[request.id]!.get()
    }

    /// Everything queued, marked in flight; nil (and no drain scheduled) when nothing is.
    private func takeQueued() -> [Request]? {
        lock.withLock {
            guard !queue.isEmpty else {
                drainScheduled = false
                return nil
            }
            return takeQueuedLocked()
        }
    }

    /// Takes the whole queue and marks it in flight; called under `lock`.
    private func takeQueuedLocked() -> [Request] {
        let batch = queue
        queue = []
        inFlight = Set(batch.map(\.id))
        flights += 1
        inFlightBlocks = batch.contains { $0.commands.contains { $0.blockingTime != nil } }
        return batch
    }

    /// Flies `batch`, resumes each waiting caller, and returns the outcomes of requests flown in place.
    private func flyAndResume(_ batch: [Request]) -> [UInt64: Result<Replies, any Error>] {
        let outcomes = fly(batch)
        let wokenOnPurpose: Set<UInt64> = lock.withLock {
            let woken = interrupted
            interrupted = []
            inFlight = []
            inFlightBlocks = false
            return woken
        }
        var inPlace: [UInt64: Result<Replies, any Error>] = [:]
        for (request, outcome) in zip(batch, outcomes) {
            var outcome = outcome
            if wokenOnPurpose.contains(request.id), case .failure = outcome { outcome = .failure(CancellationError()) }
            if let continuation = request.continuation { continuation.resume(with: outcome) } else { inPlace[request.id] = outcome }
        }
        return inPlace
    }

    /// Writes every command of the batch, then reads every reply in order.
    private func fly(_ batch: [Request]) -> [Result<Replies, any Error>] {
        let oldest = batch.map(\.enqueuedAt).min()!
        if let context, context.isClosedByPeer {
            dropContext(reason: "the server closed the idle connection")
        }
        let context: HiredisContext
        do {
            try ensureConnected(until: oldest + configuration.reconnectBudget)
            context = self.context!
        } catch {
            return batch.map { _ in .failure(error) }
        }

        context.setTimeout(readTimeout(for: batch))
        for request in batch {
            for command in request.commands where !context.append(command) {
                let error = RedisError(code: .connectionLost, message: "hiredis could not buffer \(command.name)")
                dropContext(reason: error.message)
                return batch.map { _ in .failure(error) }
            }
        }

        var outcomes: [Result<Replies, any Error>] = []
        outcomes.reserveCapacity(batch.count)
        var flightError: RedisError?
        for request in batch {
            if let flightError {
                outcomes.append(.failure(flightError))
                continue
            }
            var replies: Replies = []
            replies.reserveCapacity(request.commands.count)
            for command in request.commands {
                switch context.readReply() {
                case .success(.error(let message)):
                    replies.append(.failure(RedisError(serverReply: message)))
                case .success(let reply):
                    replies.append(.success(reply))
                case .failure(let failure):
                    let error = errorForFailedRead(failure, command: command)
                    flightError = error
                    dropContext(reason: error.message)
                }
                if flightError != nil { break }
            }
            outcomes.append(flightError.map { .failure($0) } ?? .success(replies))
        }
        return outcomes
    }

    /// The command timeout, plus the longest `BLOCK` in the flight; nil if one blocks forever.
    private func readTimeout(for batch: [Request]) -> Duration? {
        var longestBlock = Duration.zero
        for request in batch {
            for command in request.commands {
                guard let block = command.blockingTime else { continue }
                if block == .zero { return nil }
                longestBlock = max(longestBlock, block)
            }
        }
        return configuration.commandTimeout + longestBlock
    }

    private func errorForFailedRead(_ failure: HiredisContext.ReadFailure, command: RedisCommand) -> RedisError {
        if lock.withLock({ closed }) {
            return RedisError(code: .clientClosed, message: "the Redis connection was closed while \(command.name) was in flight")
        }
        switch failure {
        case .timeout:
            return RedisError(code: .timeout, message: "no reply to \(command.name) within the command timeout; it may or may not have run")
        case .lost(let reason):
            return RedisError(code: .connectionLost, message: "connection lost while \(command.name) was in flight (\(reason)); it may or may not have run")
        case .protocolError(let reason):
            return RedisError(code: .protocol, message: "protocol error reading the reply to \(command.name): \(reason)")
        }
    }

    private func dropContext(reason: String?) {
        guard context != nil else { return }
        lock.withLock { socket = nil }
        context = nil
        if let reason {
            logger.warning("redis connection dropped", metadata: ["redis.endpoint": "\(configuration.endpoint)", "reason": "\(reason)"])
        }
    }

    // MARK: - Connecting (on `thread`)

    /// Connects if needed, retrying with backoff until `deadline`.
    private func ensureConnected(until deadline: ContinuousClock.Instant) throws {
        if context != nil { return }
        var attempt = 0
        while true {
            if lock.withLock({ closed }) {
                throw RedisError(code: .clientClosed, message: "the Redis connection is closed")
            }
            do {
                let context = try openContext()
                self.context = context
                lock.withLock { socket = context.fileDescriptor }
                if everConnected {
                    logger.info("reconnected to redis", metadata: ["redis.endpoint": "\(configuration.endpoint)", "attempts": "\(attempt + 1)"])
                } else {
                    logger.debug("connected to redis", metadata: ["redis.endpoint": "\(configuration.endpoint)"])
                }
                everConnected = true
                return
            } catch let failure {
                let delay = configuration.reconnectBackoff.delay(attempt: attempt)
                attempt += 1
                guard failure.retryable, ContinuousClock.now + delay < deadline else {
                    var error = failure.error
                    if attempt > 1 { error.message += " (gave up after \(attempt) attempts)" }
                    throw error
                }
                logger.debug("redis connect attempt failed", metadata: ["redis.endpoint": "\(configuration.endpoint)", "error": "\(failure.error.message)", "retry.in": "\(delay)"])
                sleepUnlessClosed(delay)
            }
        }
    }

    private struct ConnectFailure: Error {
        var error: RedisError
        var retryable: Bool
    }

    /// One attempt: connect, then AUTH, CLIENT SETNAME and SELECT in one round trip.
    private func openContext() throws(ConnectFailure) -> HiredisContext {
        let context: HiredisContext
        do {
            context = try HiredisContext.connect(
                to: configuration.endpoint,
                timeout: configuration.connectTimeout,
                keepAlive: configuration.tcpKeepAlive
            )
        } catch {
            throw ConnectFailure(error: error as? RedisError ?? RedisError(code: .connectionFailed, message: "\(error)"), retryable: true)
        }
        let handshake = handshakeCommands
        if handshake.isEmpty { return context }
        context.setTimeout(configuration.connectTimeout)
        for command in handshake where !context.append(command) {
            throw ConnectFailure(error: RedisError(code: .connectionFailed, message: "hiredis could not buffer \(command.name)"), retryable: true)
        }
        for command in handshake {
            switch context.readReply() {
            case .success(.error(let message)):
                // A server still loading or busy may accept us soon; a wrong password will not.
                let code = RedisError.Code.forServerReply(message)
                throw ConnectFailure(
                    error: RedisError(code: .connectionFailed, message: "\(command.name) failed while connecting to \(configuration.endpoint): \(message)"),
                    retryable: code == .loading || code == .busy
                )
            case .success:
                continue
            case .failure(let failure):
                throw ConnectFailure(
                    error: RedisError(code: .connectionFailed, message: "connection to \(configuration.endpoint) failed during \(command.name): \(failure)"),
                    retryable: true
                )
            }
        }
        return context
    }

    private var handshakeCommands: [RedisCommand] {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append(RedisCommand("AUTH", username, password))
            } else {
                commands.append(RedisCommand("AUTH", password))
            }
        }
        if let name = configuration.clientName {
            commands.append(RedisCommand("CLIENT", "SETNAME", name))
        }
        if configuration.database != 0 {
            commands.append(RedisCommand("SELECT", configuration.database))
        }
        return commands
    }

    /// Sleeps in short slices so `close()` is not held up by a long backoff.
    private func sleepUnlessClosed(_ duration: Duration) {
        let end = ContinuousClock.now + duration
        while !lock.withLock({ closed }) {
            let left = end - .now
            if left <= .zero { return }
            Thread.sleep(forTimeInterval: Self.seconds(min(left, .milliseconds(50))))
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
