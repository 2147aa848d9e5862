@testable import API
import Foundation
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

@Suite("the reply reader", .timeLimit(.minutes(2)))
struct ReplyReaderTests {
    @Test("a reader whose connection is killed connects again and reads from where it was: a reply written meanwhile still answers")
    func readsOnAfterItsConnectionIsKilled() async throws {
        let instance = "api-\(UUID().uuidString.prefix(8).lowercased())"
        // Replies by the stream only: a notification would answer without the reader.
        try await APITestHarness.with(configure: { $0.instance = instance; $0.replyNotify = false }) { harness, client in
            let (token, _) = try await client.signUp()
            let name = ReplyReader.clientName(of: harness.services.keys.replies(instance))
            let before = try await readerIDs(named: name, harness.services.redis)
            #expect(before.count == 1)
            for id in before { _ = try await harness.services.redis.send("CLIENT", "KILL", "ID", id) }
            // Sent at once: its reply may land while the reader waits to connect again, and is
            // answered (201, not 202) only once the reader is back and has read from where it was.
            let created = try await client.send(.post, "/api/tickets", json: #"{"title":"A show","price":20}"#, token: token)
            #expect(created.status == .created)
            let after = try await readerIDs(named: name, harness.services.redis)
            #expect(after.count == 1)
            #expect(after.isDisjoint(with: before))
        }
    }

    /// The ids of the connections named `name`.
    private func readerIDs(named name: String, _ redis: RedisClient) async throws -> Set<String> {
        let list = try await redis.send("CLIENT", "LIST").asString()
        return Set(list.split(separator: "\n").compactMap { line -> String? in
            let fields = Dictionary(line.split(separator: " ").compactMap { field -> (String, String)? in
                let parts = field.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
            return fields["name"] == name ? fields["id"] : nil
        })
    }
}
