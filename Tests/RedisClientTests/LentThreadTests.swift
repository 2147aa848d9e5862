import ClientSupport
import Foundation
@testable import RedisClient
import TestSupport
import Testing

/// A connection living on a thread it was lent: a consumer loop's, whose task prefers that thread
/// and so sends without a hop.
@Suite("A connection on a lent thread", .timeLimit(.minutes(2)))
struct LentThreadTests {
    @Test("a task preferring the thread sends in place, ahead of queued jobs; others still share its flights")
    func sendsInPlace() async throws {
        let (thread, connection) = try await lentConnection()
        let counter = TestServers.uniqueName("lent")
        let jobRan = Flag()
        let (inPlace, value) = try await withTaskExecutorPreference(thread) {
            thread.execute { jobRan.set() }
            let value = try await connection.send("INCR", counter).int
            // Had the send hopped, this task would have come back after the queued job.
            return (!jobRan.isSet && thread.isCurrent, value)
        }
        #expect(inPlace)
        #expect(value == 1)
        // Callers off the thread, and one on it, all at once: every increment counted once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { _ = try await connection.send("INCR", counter) } }
            group.addTask(executorPreference: thread) {
                for _ in 0..<50 { _ = try await connection.send("INCR", counter) }
            }
            try await group.waitForAll()
        }
        #expect(try await connection.send("GET", counter).string == "101")
        await connection.close()
        // The thread was lent, not given: it still runs jobs.
        #expect(try await thread.run { thread.isCurrent })
        thread.shutdown()
    }

    @Test("cancelling a blocking read in place wakes it, and the connection works afterwards")
    func cancelInPlaceBlockingRead() async throws {
        let (thread, connection) = try await lentConnection()
        let stream = TestServers.uniqueName("lent")
        let started = ContinuousClock.now
        let read = Task(executorPreference: thread) {
            try await connection.xread(streams: [(stream, "$")], block: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(300))
        read.cancel()
        await #expect(throws: CancellationError.self) { _ = try await read.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        let pong = try await withTaskExecutorPreference(thread) { try await connection.send("PING") }
        #expect(pong == .status("PONG"))
        await connection.close()
        thread.shutdown()
    }

    @Test("closed from another thread while a task on the thread keeps sending: each send answers or fails as closed, none hangs")
    func closeWhileSendingInPlace() async throws {
        let (thread, connection) = try await lentConnection()
        let counter = TestServers.uniqueName("lent")
        let sender = Task(executorPreference: thread) { () -> [String] in
            var failures: [String] = []
            for _ in 0..<2000 {
                do {
                    _ = try await connection.send("INCR", counter)
                } catch let error as RedisError {
                    failures.append("\(error.code)")
                }
            }
            return failures
        }
        try await Task.sleep(for: .milliseconds(20))
        await connection.close()
        let failures = try await sender.value
        #expect(!failures.isEmpty, "the close came after every send")
        #expect(Set(failures).isSubset(of: ["\(RedisError.Code.clientClosed)"]), "\(Set(failures))")
        thread.shutdown()
    }

    /// A connection to the shared server, living on a thread of the test's.
    private func lentConnection() async throws -> (OwnedThread, RedisConnection) {
        let server = try await TestServers.redis()
        let thread = OwnedThread(name: "lent")
        return (thread, try await RedisConnection.connect(configuration: try RedisConfiguration(url: server.url), on: thread))
    }
}
