import ClientSupport
import Foundation
import PostgresClient
import TestSupport
import Testing

/// A client whose connection lives on a thread it was lent: a consumer loop's, whose task
/// prefers that thread and so runs its statements without a hop.
@Suite("A client on a lent thread", .timeLimit(.minutes(2)))
struct LentThreadTests {
    @Test("a task preferring the thread runs its transaction in place; others hop to it; closing leaves the thread running")
    func transactionsInPlace() async throws {
        let server = try await TestServers.postgres()
        let url = try await server.createDatabase()
        let thread = OwnedThread(name: "lent")
        let client = PostgresClient(configuration: try PostgresConfiguration(url, poolSize: 1), thread: thread)
        try await client.query("CREATE TABLE counter (n int8 NOT NULL)")
        try await client.query("INSERT INTO counter VALUES (0)")
        let jobRan = Flag()
        let inPlace = try await withTaskExecutorPreference(thread) {
            thread.execute { jobRan.set() }
            try await client.withTransaction { tx in
                try await tx.query("UPDATE counter SET n = n + 1")
                _ = try await tx.pipeline(["UPDATE counter SET n = n + 1", "SELECT n FROM counter"])
            }
            // Had a statement hopped, this task would have come back after the queued job.
            return !jobRan.isSet && thread.isCurrent
        }
        #expect(inPlace)
        // Tasks off the thread share the one connection with a task on it.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { try await client.query("UPDATE counter SET n = n + 1") } }
            group.addTask(executorPreference: thread) {
                for _ in 0..<20 { try await client.query("UPDATE counter SET n = n + 1") }
            }
            try await group.waitForAll()
        }
        #expect(try await client.query("SELECT n FROM counter").decodeColumn(Int.self) == [42])
        await client.close()
        #expect(try await thread.run { thread.isCurrent })
        thread.shutdown()
    }
}
