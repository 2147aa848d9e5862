import PostgresClient
import Synchronization
import TestSupport
import Testing

@Suite("LISTEN/NOTIFY", .timeLimit(.minutes(2)))
struct ListenerTests {
    /// Collects what a listener delivers, so a test can look without consuming the stream twice.
    final class Inbox: Sendable {
        let received = Mutex<[PostgresNotification]>([])
        var count: Int { received.withLock { $0.count } }

        func waitFor(_ count: Int, within limit: Duration = .seconds(5)) async throws -> [PostgresNotification] {
            let deadline = ContinuousClock.now + limit
            while self.count < count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return received.withLock { $0 }
        }
    }

    @Test("a NOTIFY is delivered after its transaction commits, not before")
    func notifyAfterCommit() async throws {
        try await withTestClient { client in
            let listener = try await client.listen(to: ["outbox"])
            let inbox = Inbox()
            let reader = Task {
                for await notification in listener.notifications {
                    inbox.received.withLock { $0.append(notification) }
                }
            }
            try await client.withTransaction { tx in
                try await tx.query("SELECT pg_notify(\("outbox"), \("order:created 42"))")
                try await Task.sleep(for: .milliseconds(400))
                #expect(inbox.count == 0)
            }
            let received = try await inbox.waitFor(1)
            #expect(received.map(\.channel) == ["outbox"])
            #expect(received.map(\.payload) == ["order:created 42"])
            await listener.stop()
            await reader.value  // the stream finished
        }
    }

    @Test("channel names that need quoting work, and each channel delivers only its own")
    func quotedChannels() async throws {
        try await withTestClient { client in
            let listener = try await client.listen(to: ["Tickets-Events", "x\"; DROP TABLE y; --"])
            let inbox = Inbox()
            let reader = Task {
                for await notification in listener.notifications {
                    inbox.received.withLock { $0.append(notification) }
                }
            }
            try await client.query("SELECT pg_notify(\("Tickets-Events"), \("one"))")
            try await client.query("SELECT pg_notify(\("not-listened"), \("ignored"))")
            try await client.query("SELECT pg_notify(\("x\"; DROP TABLE y; --"), \("two"))")
            let received = try await inbox.waitFor(2)
            #expect(received.map(\.payload) == ["one", "two"])
            await listener.stop()
            await reader.value
        }
    }

    @Test("a listener whose server restarts listens again afterwards")
    func listenerSurvivesRestart() async throws {
        let server = try await PostgresServer.start()
        let client = PostgresClient(configuration: try PostgresConfiguration(
            server.url(database: "postgres"), poolSize: 1,
            reconnectBackoff: .init(base: .milliseconds(50), cap: .milliseconds(200))
        ))
        let listener = try await client.listen(to: ["relay"])
        let inbox = Inbox()
        let reader = Task {
            for await notification in listener.notifications {
                inbox.received.withLock { $0.append(notification) }
            }
        }
        try await server.restart()
        // Notifications sent before the listener is back are lost; keep sending until one arrives.
        // A fresh server's first sessions can take seconds on a loaded machine.
        let deadline = ContinuousClock.now + .seconds(45)
        while inbox.count == 0 && ContinuousClock.now < deadline {
            _ = try? await client.query("SELECT pg_notify(\("relay"), \("after restart"))")
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(inbox.count > 0)
        await listener.stop()
        await reader.value
        await client.close()
        await server.stop()
    }
}
