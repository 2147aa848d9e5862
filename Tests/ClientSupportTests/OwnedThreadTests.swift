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
