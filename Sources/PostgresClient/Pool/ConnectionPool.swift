import ClientSupport
import Logging
import Synchronization

/// Up to `configuration.poolSize` connections, opened on demand and lent one borrower at a time.
/// Borrowers that find every connection busy wait in arrival order.
final class ConnectionPool: Sendable {
    let configuration: PostgresConfiguration
    let logger: Logger
    /// Where every connection lives when the pool was given a thread; nil: each has its own.
    let thread: OwnedThread?
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var idle: [LibpqConnection] = []
        var openCount = 0
        var waiters: [Waiter] = []
        /// Waiters cancelled before they were queued: they must not queue.
        var cancelledWaiters: Set<Int> = []
        var nextWaiterID = 0
        var nextConnectionNumber = 0
        var closed = false
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    /// What a waiter is given: a connection, or a free slot to open one in.
    private enum Grant: Sendable {
        case connection(LibpqConnection)
        case openSlot(number: Int)
    }

    private enum Decision {
        case use(LibpqConnection)
        case open(number: Int)
        case wait(id: Int)
    }

    init(configuration: PostgresConfiguration, logger: Logger, thread: OwnedThread? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.thread = thread
    }

    /// Borrowers queued for a connection right now; tests wait on it to know one is queued.
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    func lease() async throws -> LibpqConnection {
        let decision: Decision = try state.withLock { state in
            guard !state.closed else { throw Self.closedError }
            if let connection = state.idle.popLast() { return .use(connection) }
            if state.openCount < configuration.poolSize {
                state.openCount += 1
                state.nextConnectionNumber += 1
                return .open(number: state.nextConnectionNumber)
            }
            state.nextWaiterID += 1
            return .wait(id: state.nextWaiterID)
        }
        switch decision {
        case .use(let connection):
            return connection
        case .open(let number):
            return try await open(number: number)
        case .wait(let id):
            switch try await wait(id: id) {
            case .connection(let connection): return connection
            case .openSlot(let number): return try await open(number: number)
            }
        }
    }

    /// Opens a connection in a slot already counted. On failure the slot goes to the next waiter,
    /// who tries in turn, so waiters are never left behind a slot nobody will fill.
    private func open(number: Int) async throws -> LibpqConnection {
        let connection = LibpqConnection(configuration: configuration, name: "postgres-\(number)", logger: logger, thread: thread)
        do {
            try await connection.run(cancellable: false) { try $0.ensureUsable() }
            return connection
        } catch {
            await connection.close()
            let next: Waiter? = state.withLock { state in
                guard !state.closed, !state.waiters.isEmpty else {
                    state.openCount -= 1
                    return nil
                }
                return state.waiters.removeFirst()
            }
            next?.continuation.resume(returning: .openSlot(number: number))
            throw error
        }
    }

    private func wait(id: Int) async throws -> Grant {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let refusal: (any Error)? = state.withLock { state in
                    if state.closed { return Self.closedError }
                    if state.cancelledWaiters.remove(id) != nil { return Self.cancelledError }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let refusal { continuation.resume(throwing: refusal) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelledWaiters.insert(id)
                    return nil
                }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: Self.cancelledError)
        }
    }

    /// Takes a connection back: cleaned up first, then handed to the longest waiter or kept idle.
    func release(_ connection: LibpqConnection) async {
        await connection.recycle()
        enum Next { case handOver(Waiter), keep, close }
        let next: Next = state.withLock { state in
            if state.closed {
                state.openCount -= 1
                return .close
            }
            if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .handOver(let waiter): waiter.continuation.resume(returning: .connection(connection))
        case .keep: break
        case .close: await connection.close()
        }
    }

    /// Fails every waiter with `.clientClosed` and closes the idle connections; connections
    /// still lent out are closed as they come back.
    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            let taken = (state.idle, state.waiters)
            state.openCount -= state.idle.count
            state.idle = []
            state.waiters = []
            return taken
        }
        for waiter in waiters { waiter.continuation.resume(throwing: Self.closedError) }
        for connection in idle { await connection.close() }
    }

    private static var closedError: PostgresError {
        PostgresError(code: .clientClosed, message: "the Postgres client has been closed")
    }

    private static var cancelledError: PostgresError {
        PostgresError(code: .queryCanceled, message: "the task was cancelled while waiting for a connection")
    }
}
