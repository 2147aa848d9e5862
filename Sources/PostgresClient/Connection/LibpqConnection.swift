import CLibpq
import ClientSupport
import Foundation
import Logging
import Synchronization

/// One libpq connection (`PGconn*`) and the thread it lives on.
///
/// Every libpq call on the connection runs on `thread`; the async methods hop there and back.
/// A session the server dropped is reopened on next use, except when it held a transaction:
/// then every statement fails with `.connectionLost` until the pool takes the connection back,
/// so work meant for the lost transaction never runs outside one.
final class LibpqConnection: @unchecked Sendable {
    // @unchecked: the `var`s below are only touched on `thread` (checked by `assertOnThread`);
    // what other threads need lives in the two Mutexes.
    let configuration: PostgresConfiguration
    let thread: OwnedThread
    /// False when the thread was lent (see ``PostgresClient/init(configuration:logger:thread:)``):
    /// then closing the connection leaves it running.
    private let ownsThread: Bool
    let logger: Logger

    /// The session; nil before the first connect and after it was dropped.
    private(set) var handle: OpaquePointer?
    /// The server ended the session (or the link broke): reopen before the next statement.
    private var sessionLost = false
    /// The session held a transaction when it was lost; refuse statements until `recycle()`.
    private var lostInsideTransaction = false
    /// The last transaction status libpq reported, to know whether a loss took a transaction with it.
    private var inTransaction = false
    /// Bumped on every new session, so a listener knows to LISTEN again.
    private(set) var sessionGeneration = 0
    /// Statements prepared in the current session.
    var preparedStatements = PreparedStatements()

    /// Receives libpq's notices for the session; must outlive the `PGconn` (freed in `deinit` after it).
    private let notices: NoticeSink
    /// The session's cancel key and which `run` is on the thread right now, so a cancel request
    /// only ever reaches the statement of the task that was cancelled.
    private let cancelState = Mutex(CancelState())
    private let nextTicket = Atomic<UInt64>(0)
    /// What the pool checks without a thread hop: is there anything to clean before reuse.
    private let needsRecycle = Mutex(false)

    init(configuration: PostgresConfiguration, name: String, logger: Logger, thread: OwnedThread? = nil) {
        self.configuration = configuration
        self.thread = thread ?? OwnedThread(name: name)
        self.ownsThread = thread == nil
        self.logger = logger
        self.notices = NoticeSink(logger: logger)
    }

    deinit {
        if ownsThread { thread.shutdown() }
        if let handle { PQfinish(handle) }
        cancelState.withLock { $0.key?.free() }
    }

    func assertOnThread() {
        assert(thread.isCurrent, "libpq called off the connection's thread")
    }

    // MARK: Hopping to the thread

    /// Runs `body` on the connection's thread. When `cancellable`, cancelling the calling task
    /// sends a cancel request for the running statement and the error becomes `.queryCanceled`.
    @discardableResult
    func run<T: Sendable>(
        cancellable: Bool = true,
        _ body: @escaping @Sendable (LibpqConnection) throws -> T
    ) async throws -> T {
        if cancellable && Task.isCancelled { throw Self.canceledBeforeSending }
        guard cancellable else {
            do {
                return try await thread.run { try body(self) }
            } catch is OwnedThreadError {
                throw PostgresError(code: .clientClosed, message: "the connection has been closed")
            }
        }
        let ticket = nextTicket.add(1, ordering: .relaxed).newValue
        do {
            return try await withTaskCancellationHandler {
                try await thread.run {
                    try self.cancelState.withLock { try $0.start(ticket) }
                    defer { self.cancelState.withLock { $0.finish(ticket) } }
                    return try body(self)
                }
            } onCancel: {
                self.requestCancel(ticket)
            }
        } catch let error as PostgresError where cancellable && error.sqlState == .queryCanceled && Task.isCancelled {
            var canceled = error
            canceled.code = .queryCanceled
            throw canceled
        } catch is OwnedThreadError {
            throw PostgresError(code: .clientClosed, message: "the connection has been closed")
        }
    }

    // MARK: Session lifecycle (on the thread)

    /// Opens a session if there is none or the last one was lost, retrying with backoff.
    /// Before reusing a live session, notices a server that has since said goodbye.
    func ensureUsable() throws {
        assertOnThread()
        if lostInsideTransaction {
            throw PostgresError(
                code: .connectionLost,
                message: "the connection was lost during a transaction; the transaction is gone"
            )
        }
        if let handle, !sessionLost {
            if PQstatus(handle) == CONNECTION_OK && !serverHasHungUp(handle) { return }
            markSessionLost()
            if lostInsideTransaction {
                throw PostgresError(
                    code: .connectionLost,
                    message: "the connection was lost during a transaction; the transaction is gone"
                )
            }
        }
        var lastError: PostgresError?
        for attempt in 0..<max(1, configuration.reconnectAttempts) {
            if attempt > 0 {
                let delay = configuration.reconnectBackoff.delay(attempt: attempt - 1)
                Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
            }
            do {
                try openSession()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// An idle session has nothing to read unless the server is ending it (a FATAL message,
    /// then EOF, after a restart) or sent a notice or notification; non-blocking polls tell which.
    private func serverHasHungUp(_ handle: OpaquePointer) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        // A few rounds: the FATAL message and the EOF after it may arrive as separate reads.
        for _ in 0..<4 where poll(&descriptor, 1, 0) > 0 {
            if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK { return true }
            // Parsing what arrived hands a FATAL sent to an idle session to the notice sink.
            _ = PQisBusy(handle)
            if notices.sawFatal { return true }
        }
        return notices.sawFatal
    }

    private func openSession() throws(PostgresError) {
        closeSession()
        let connection = configuration.withConnectParameters { keywords, values in
            PQconnectdbParams(keywords, values, 1)
        }
        guard let connection else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines
            PQfinish(connection)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        notices.sawFatal = false
        notices.install(on: connection)
        preparedStatements.removeAll()
        handle = connection
        sessionLost = false
        inTransaction = false
        sessionGeneration += 1
        if let key = PQgetCancel(connection) {
            cancelState.withLock { $0.key = CancelKey(pointer: key) }
        }
    }

    /// Ends the session (if any). The next statement opens a new one.
    func closeSession() {
        assertOnThread()
        cancelState.withLock { state in
            state.key?.free()
            state.key = nil
        }
        if let handle { PQfinish(handle) }
        handle = nil
    }

    private func markSessionLost() {
        sessionLost = true
        if inTransaction {
            lostInsideTransaction = true
            needsRecycle.withLock { $0 = true }
        }
        inTransaction = false
    }

    /// Bookkeeping after every statement: transaction state, and whether the session survived.
    /// Returns `error` re-labelled `.connectionLost` when the session did not.
    func afterStatement(_ handle: OpaquePointer, error: PostgresError?) -> PostgresError? {
        let sessionEnded = PQstatus(handle) != CONNECTION_OK || (error?.sqlState?.endsSession ?? false)
            || notices.sawFatal
        if sessionEnded {
            markSessionLost()
            var lost = error ?? PostgresError(code: .connectionLost, message: Self.errorMessage(handle))
            lost.code = .connectionLost
            return lost
        }
        let status = PQtransactionStatus(handle)
        inTransaction = status == PQTRANS_INTRANS || status == PQTRANS_INERROR
        needsRecycle.withLock { $0 = inTransaction || lostInsideTransaction }
        return error
    }

    /// True when the session is idle outside a transaction (so `COMMIT` would be a no-op).
    var isInTransaction: Bool {
        assertOnThread()
        return inTransaction
    }

    var isInFailedTransaction: Bool {
        assertOnThread()
        guard let handle else { return false }
        return PQtransactionStatus(handle) == PQTRANS_INERROR
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        let message = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
        return message.isEmpty ? "the connection to the server was lost" : message
    }

    // MARK: Handing back to the pool

    /// True when `recycle()` has something to do; read without a thread hop.
    var needsRecycling: Bool { needsRecycle.withLock { $0 } }

    /// Makes the connection fit for the next borrower: rolls back a transaction left open and
    /// forgets a transaction that was lost. A session that cannot be cleaned is dropped.
    func recycle() async {
        guard needsRecycling else { return }
        _ = try? await run(cancellable: false) { connection in
            connection.recycleOnThread()
        }
    }

    private func recycleOnThread() {
        assertOnThread()
        lostInsideTransaction = false
        if let handle, !sessionLost, inTransaction {
            if let result = PQexec(handle, "ROLLBACK") { PQclear(result) }
            _ = afterStatement(handle, error: nil)
            if inTransaction || sessionLost {
                closeSession()
                sessionLost = true
            }
        }
        inTransaction = false
        needsRecycle.withLock { $0 = false }
    }

    /// Closes the session and stops the thread (unless it was lent).
    func close() async {
        _ = try? await thread.run { [self] in closeSession() }
        if ownsThread { thread.shutdown() }
    }

    // MARK: Cancelling

    /// Cancels the statement of `run` number `ticket`: if it is running, asks the server to cancel
    /// it; if it has not started, it will not. `PQcancel` opens a short connection of its own, so
    /// it runs on a thread of ours, not on the cancelling task's.
    ///
    /// The server ignores a cancel request that arrives before its backend has read the
    /// statement (on a busy machine that can be a while after it was sent), so the request is
    /// repeated, further and further apart, for as long as the statement still runs.
    func requestCancel(_ ticket: UInt64) {
        let running = cancelState.withLock { $0.markCancelled(ticket) }
        guard running else { return }
        Task.detached { [self] in
            var pause = Duration.milliseconds(100)
            while await cancelIfRunning(ticket) {
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(2))
            }
        }
    }

    /// Sends a cancel request if statement `ticket` still runs; false once it no longer does.
    private func cancelIfRunning(_ ticket: UInt64) async -> Bool {
        (try? await CancelKey.thread.run { [self] in
            cancelState.withLock { state in
                // Still the same statement? The lock keeps it from finishing meanwhile.
                guard state.running == ticket, let key = state.key else { return false }
                key.cancel()
                return true
            }
        }) ?? false
    }

    static var canceledBeforeSending: PostgresError {
        PostgresError(code: .queryCanceled, message: "the task was cancelled before the statement was sent")
    }
}

/// Which cancellable `run` is on the thread, and the ones cancelled before they started.
struct CancelState: ~Copyable {
    var key: CancelKey?
    var running: UInt64?
    var cancelledEarly: Set<UInt64> = []

    mutating func start(_ ticket: UInt64) throws {
        // Tickets of one connection are handed out in order; older ones can no longer start.
        if !cancelledEarly.isEmpty {
            let wasCancelled = cancelledEarly.contains(ticket)
            cancelledEarly = cancelledEarly.filter { $0 > ticket }
            if wasCancelled { throw LibpqConnection.canceledBeforeSending }
        }
        running = ticket
    }

    mutating func finish(_ ticket: UInt64) {
        if running == ticket { running = nil }
    }

    /// Returns true when the statement is running and the server must be asked to cancel it.
    mutating func markCancelled(_ ticket: UInt64) -> Bool {
        if running == ticket { return true }
        cancelledEarly.insert(ticket)
        return false
    }
}

/// libpq's cancel key for one session. Used and freed only under the connection's Mutex.
struct CancelKey: @unchecked Sendable {
    // @unchecked: a raw PGcancel pointer; the owning Mutex serialises cancel and free.
    let pointer: OpaquePointer

    /// One thread for all cancel requests: they are rare and short.
    static let thread = OwnedThread(name: "postgres-cancel")

    func cancel() {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(pointer, &buffer, Int32(buffer.count))
    }

    func free() { PQfreeCancel(pointer) }
}
