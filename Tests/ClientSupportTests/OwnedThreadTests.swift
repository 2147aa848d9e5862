import ClientSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct OwnedThreadTests {
    @Test("jobs run in the order they were queued, off the caller's thread")
    func runsInOrder() async throws {
        let thread = OwnedThread(name: "test")
        let recorder = Recorder()
        for i in 0..<1000 { thread.execute { recorder.append(i) } }
        let onOwnThread = try await thread.run { thread.isCurrent }
        #expect(onOwnThread)
        #expect(!thread.isCurrent)
        #expect(recorder.values == Array(0..<1000))
        thread.shutdown()
    }

    @Test("the thread carries its name where the system shows it, cut to the 15 bytes Linux keeps")
    func namedForTheSystem() async throws {
        let thread = OwnedThread(name: "consumer-lane-0-commands")
        let shown = try await thread.run { try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
        #expect(shown == "consumer-lane-0\n")
        thread.shutdown()
    }

    @Test("a task that prefers the thread runs on it, and its `run` runs in place, ahead of queued jobs")
    func runsInPlaceForItsOwnTasks() async throws {
        let thread = OwnedThread(name: "test")
        let recorder = Recorder()
        let onThread = try await withTaskExecutorPreference(thread) {
            var onThread = [thread.isCurrent]
            // The queued job cannot run while this task holds the thread: `run` does not queue.
            thread.execute { recorder.append(1) }
            onThread.append(try await thread.run { recorder.append(0); return thread.isCurrent })
            // A real suspension comes back to the thread, after the queued job.
            try await Task.sleep(for: .milliseconds(1))
            onThread.append(thread.isCurrent)
            return onThread
        }
        #expect(onThread == [true, true, true])
        #expect(recorder.values == [0, 1])
        thread.shutdown()
    }

    @Test("`sleep` on the thread blocks it in place, jobs queued meanwhile running after it; from elsewhere it suspends")
    func sleepsInPlace() async throws {
        let thread = OwnedThread(name: "test")
        let recorder = Recorder()
        let started = ContinuousClock.now
        let onThread = await withTaskExecutorPreference(thread) {
            thread.execute { recorder.append(1) }
            await thread.sleep(for: .milliseconds(30))
            // Still the same job: the queued one has not run, so the task never left the thread.
            recorder.append(0)
            return thread.isCurrent
        }
        #expect(onThread)
        #expect(ContinuousClock.now - started >= .milliseconds(30))
        #expect(try await thread.run { recorder.values } == [0, 1])
        // From a task elsewhere it suspends that task and leaves the thread free.
        let slept = Recorder()
        let elsewhere = Task.detached {
            await thread.sleep(for: .seconds(1))
            slept.append(1)
        }
        #expect(try await thread.run { slept.values } == [])
        await elsewhere.value
        #expect(slept.values == [1])
        thread.shutdown()
    }

    @Test("a task that prefers a thread shut down still finishes, on the global executor")
    func shutDownThreadStrandsNoTask() async throws {
        let thread = OwnedThread(name: "test")
        thread.shutdown()
        let finished = try await withTaskExecutorPreference(thread) {
            try await Task.sleep(for: .milliseconds(1))
            return !thread.isCurrent
        }
        #expect(finished)
    }

    @Test("a thrown error reaches the awaiting task")
    func errorsPropagate() async {
        struct Boom: Error {}
        let thread = OwnedThread(name: "test")
        await #expect(throws: Boom.self) { try await thread.run { throw Boom() } }
    }

    @Test("after shutdown, queued work has finished and new work is refused")
    func shutdownDrainsThenRefuses() async {
        let thread = OwnedThread(name: "test")
        let recorder = Recorder()
        for i in 0..<100 { thread.execute { usleep(10); recorder.append(i) } }
        thread.shutdown()
        #expect(recorder.values.count == 100)
        #expect(thread.execute {} == false)
        await #expect(throws: OwnedThreadError.self) { try await thread.run { 1 } }
    }
}

@Suite struct BackoffTests {
    @Test("the ceiling doubles from base and stops at cap")
    func ceilingGrows() {
        let backoff = Backoff(base: .milliseconds(10), cap: .milliseconds(100))
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(10))
        #expect(backoff.ceiling(attempt: 1) == .milliseconds(20))
        #expect(backoff.ceiling(attempt: 3) == .milliseconds(80))
        #expect(backoff.ceiling(attempt: 4) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 10_000) == .milliseconds(100))
    }

    @Test("a delay never exceeds its ceiling")
    func jitterIsBounded() {
        let backoff = Backoff(base: .milliseconds(5), cap: .seconds(1))
        for attempt in 0..<40 {
            let delay = backoff.delay(attempt: attempt)
            #expect(delay >= .zero && delay <= backoff.ceiling(attempt: attempt))
        }
    }
}

private final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int] = []
    func append(_ value: Int) { lock.withLock { storage.append(value) } }
    var values: [Int] { lock.withLock { storage } }
}

@Suite(.timeLimit(.minutes(2))) struct OwnedThreadLifetimeTests {
    @Test("the last reference may be dropped on the thread itself")
    func releasedOnItsOwnThread() async throws {
        for _ in 0..<50 {
            var thread: OwnedThread? = OwnedThread(name: "self-release")
            weak let released = thread
            let box = Box(thread)
            thread = nil
            // Waits without blocking a thread of the cooperative pool.
            await withCheckedContinuation { continuation in
                box.thread!.execute {
                    box.thread = nil  // the deinit runs here, on the thread being released
                    continuation.resume()
                }
            }
            #expect(released == nil, "the thread outlived its last reference")
        }
    }
}

private final class Box: @unchecked Sendable {
    var thread: OwnedThread?
    init(_ thread: OwnedThread?) { self.thread = thread }
}

@Suite struct SpinPolicyTests {
    @Test("a thread spins while its waits are short, stops once most are longer than a spin, and starts again when they shorten")
    func adapts() {
        var policy = SpinPolicy(limit: 40_000)
        #expect(policy.shouldSpin)
        // Jobs 2 ms apart: no spin of 40 µs would catch one.
        var longWaits = 0
        while policy.shouldSpin {
            policy.record(wait: 2_000_000)
            longWaits += 1
        }
        #expect(longWaits == 6)
        for _ in 0..<100 { policy.record(wait: 2_000_000) }
        #expect(!policy.shouldSpin)
        // Jobs back to back again, measured while the thread sleeps between them.
        var shortWaits = 0
        while !policy.shouldSpin {
            policy.record(wait: 5_000)
            shortWaits += 1
        }
        #expect(shortWaits <= 8)
        // One long wait among short ones does not stop the spinning.
        for _ in 0..<20 { policy.record(wait: 5_000) }
        policy.record(wait: 2_000_000)
        #expect(policy.shouldSpin)
    }

    @Test("a limit of 0 (CLIENT_SPIN_US=0) never spins")
    func off() {
        var policy = SpinPolicy(limit: 0)
        for _ in 0..<20 { policy.record(wait: 0) }
        #expect(!policy.shouldSpin)
    }
}
