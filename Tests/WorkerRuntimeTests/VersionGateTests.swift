import Foundation
import Testing
@testable import WorkerRuntime

@Suite("version gate")
struct VersionGateTests {
    @Test("the next version applies, an older one is a duplicate, a later one is early",
          arguments: [
            (nil as Int?, 0, VersionGate.apply), (nil, 1, .early), (0, 1, .apply), (3, 4, .apply),
            (3, 3, .duplicate), (3, 1, .duplicate), (3, 5, .early),
          ])
    func rule(current: Int?, incoming: Int, expected: VersionGate) {
        #expect(VersionGate.check(current: current, incoming: incoming) == expected)
    }

    @Test("events out of order are applied in version order, duplicates have no effect", .timeLimit(.minutes(2)))
    func outOfOrder() async throws {
        let harness = try await Harness.make()
        try await harness.publishReplica("t1", version: 2, title: "third")
        try await harness.publishReplica("t1", version: 0, title: "first")
        try await harness.publishReplica("t1", version: 1, title: "second")
        try await harness.publishReplica("t1", version: 1, title: "second again")
        let worker = harness.worker("a")
        let running = Task { try await worker.run() }
        // Pending is 0 also before the first read: wait for the last version to land instead.
        #expect(try await harness.eventually {
            try await harness.database.query("SELECT version FROM replica WHERE id = 't1'").decodeColumn(Int32.self) == [2]
        })
        #expect(try await harness.eventually { try await harness.drained() })
        let row = try #require(try await harness.database.query("SELECT version, title FROM replica WHERE id = 't1'").first)
        let (version, title) = try row.decode((Int32, String).self)
        #expect(version == 2 && title == "third")
        let applied = try await harness.database.query("SELECT version FROM applied ORDER BY version").decodeColumn(Int32.self)
        #expect(applied == [0, 1, 2])
        worker.stop()
        try await running.value
        await harness.close()
    }
}
