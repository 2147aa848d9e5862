import Foundation
import Synchronization

/// A thread of our own that runs jobs one at a time, in order.
///
/// hiredis and libpq block in their calls; running those on the Swift concurrency pool would
/// starve every other task on a 2-core machine. Each connection owns one of these instead, or
/// shares one: a task that prefers the thread as its executor (`withTaskExecutorPreference`)
/// and uses only connections living on it runs its blocking calls in place, with no hop to
/// another thread and back (the two context switches that cost more than a round trip to Redis).
public final class OwnedThread: TaskExecutor, Sendable {
    public typealias Job = @Sendable () -> Void

    private let queue: JobQueue
    // Only compared by identity and started once, in init.
    nonisolated(unsafe) private let thread: Thread

    public init(name: String) {
        let queue = JobQueue()
        // The thread holds the queue, not this object, so the last reference to an OwnedThread
        // may be dropped anywhere, its own thread included.
        let thread = Thread {
            Self.nameCurrentThread(name)
            queue.runLoop()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        self.queue = queue
        self.thread = thread
        thread.start()
    }

    deinit {
        queue.stop(waitForExit: !isCurrent)
    }

    /// Gives the calling thread `name` where `top -H`, `ps -L` and `perf` show it: Foundation
    /// sets the operating system's name only for a thread naming itself, and Swift does not see
    /// glibc's `pthread_setname_np`. On Linux a thread may rename itself through its `comm`
    /// file, which keeps the first 15 bytes; elsewhere this does nothing.
    static func nameCurrentThread(_ name: String) {
        try? String(decoding: name.utf8.prefix(15), as: UTF8.self)
            .write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
    }

    /// Queues `job` to run on this thread after the jobs already queued.
    /// Returns false (and runs nothing) once the thread has been shut down.
    @discardableResult
    public func execute(_ job: @escaping Job) -> Bool {
        queue.append(job)
    }

    /// True when called from this thread: connections use it to assert they never block elsewhere.
    public var isCurrent: Bool { Thread.current === thread }

    /// Runs `body` on this thread and returns its result to the awaiting task. Called from this
    /// thread (by a task that prefers it as its executor), runs `body` at once, in place.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if isCurrent { return try body() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let queued = execute {
                continuation.resume(with: Result { try body() })
            }
            if !queued { continuation.resume(throwing: OwnedThreadError.shutDown) }
        }
    }

    /// Waits `duration`. Called from this thread (by a task that prefers it), it blocks the
    /// thread in place, which suits a thread whose connections have nothing to do meanwhile: one
    /// timer wake-up, where a `Task.sleep` wakes a thread of the global executor for its timer
    /// and then hops back here. Jobs queued meanwhile run after it. From elsewhere, a `Task.sleep`.
    public func sleep(for duration: Duration) async {
        guard isCurrent else {
            try? await Task.sleep(for: duration)
            return
        }
        let (seconds, attoseconds) = duration.components
        var remaining = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var interval = remaining
        while nanosleep(&interval, &remaining) != 0 && errno == EINTR { interval = remaining }
    }

    /// Runs a task's jobs, for the tasks that prefer this thread as their executor. Once the
    /// thread is shut down they go to the global executor, which never leaves a task stranded.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        if !execute({ job.runSynchronously(on: executor) }) {
            DispatchQueue.global().async { job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor()) }
        }
    }

    /// Lets the queued jobs finish, then ends the thread. Safe to call more than once;
    /// it does not wait when called from the thread itself.
    public func shutdown() {
        queue.stop(waitForExit: !isCurrent)
    }
}

/// The jobs waiting for an ``OwnedThread``, and the loop its thread runs.
private final class JobQueue: @unchecked Sendable {
    /// After a batch the thread may keep looking for new jobs this long before it sleeps. A
    /// caller that got its answer often sends the next command within microseconds; catching it
    /// awake saves a futex wake-up each way, which on a small VM costs more than the round trip
    /// to Redis. Idle threads spin once, then sleep, and only while spins have been catching
    /// jobs (``SpinPolicy``). `CLIENT_SPIN_US` (0–1000, default 40) sets it; 0 never spins.
    private static let spinNanoseconds: UInt64 = {
        let micros = ProcessInfo.processInfo.environment["CLIENT_SPIN_US"].flatMap(UInt64.init) ?? 40
        return min(micros, 1000) * 1000
    }()

    private let condition = NSCondition()
    /// Jobs queued and not yet taken, readable without the lock while spinning.
    private let queued = Atomic<Int>(0)
    // Guarded by `condition`.
    private var jobs: [OwnedThread.Job] = []
    private var sleeping = false
    private var stopping = false
    private var finished = false
    /// Only the queue's own thread uses it.
    private var spinPolicy = SpinPolicy(limit: JobQueue.spinNanoseconds)

    func append(_ job: @escaping OwnedThread.Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        queued.add(1, ordering: .releasing)
        if sleeping { condition.signal() }
        return true
    }

    func stop(waitForExit: Bool) {
        condition.lock()
        stopping = true
        condition.broadcast()
        if waitForExit {
            while !finished { condition.wait() }
        }
        condition.unlock()
    }

    func runLoop() {
        while true {
            let idleSince = DispatchTime.now().uptimeNanoseconds
            if spinPolicy.shouldSpin { spinForWork(since: idleSince) }
            condition.lock()
            while jobs.isEmpty && !stopping {
                sleeping = true
                condition.wait()
                sleeping = false
            }
            if jobs.isEmpty && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            queued.subtract(batch.count, ordering: .relaxed)
            condition.unlock()
            spinPolicy.record(wait: DispatchTime.now().uptimeNanoseconds - idleSince)
            for job in batch { job() }
        }
    }

    private func spinForWork(since start: UInt64) {
        guard queued.load(ordering: .acquiring) == 0 else { return }
        let deadline = start + Self.spinNanoseconds
        while queued.load(ordering: .acquiring) == 0 && DispatchTime.now().uptimeNanoseconds < deadline {
            sched_yield()
        }
    }
}

/// Thrown by ``OwnedThread/run(_:)`` once the thread no longer takes jobs.
public struct OwnedThreadError: Error, CustomStringConvertible, Sendable {
    public static let shutDown = OwnedThreadError()
    public var description: String { "the connection's thread has been shut down" }
}
