import Admin
import Contracts
import Foundation
import RedisClient
import Testing

@Suite("dead letters", .timeLimit(.minutes(2)))
struct DeadLetterTests {
    @Test("list shows each letter's stream, group, type, deliveries and error; --stream and --limit narrow it")
    func list() async throws {
        let fixture = try await AdminFixture.make()
        let created = fixture.keys.events(.orderCreated), cancelled = fixture.keys.events(.orderCancelled)
        let first = Envelope(type: "order:created", data: "{}")
        try await fixture.deadLetter(first.fields, stream: created, group: "payments", error: "card service down", deliveries: 10)
        try await fixture.deadLetter(Envelope(type: "order:created", data: "{}").fields, stream: created)
        try await fixture.deadLetter(Envelope(type: "order:cancelled", data: "{}").fields, stream: cancelled)

        let all = try await fixture.admin.deadLetters()
        #expect(all.total == 3)
        #expect(Set(all.letters.map(\.stream)) == [created, cancelled])
        let letter = try #require(all.letters.first { $0.messageID == first.id.uuidString.lowercased() })
        #expect(letter.stream == created)
        #expect(letter.key == fixture.keys.dead(created))
        #expect(letter.group == "payments")
        #expect(letter.type == "order:created")
        #expect(letter.deliveries == 10)
        #expect(letter.error == "card service down")
        #expect(letter.deadAt.flatMap(Timestamp.parse) != nil)
        #expect(letter.replayable)

        let one = try await fixture.admin.deadLetters(stream: "events:order:cancelled")
        #expect(one.total == 1 && one.letters.map(\.type) == ["order:cancelled"])
        #expect(try await fixture.admin.deadLetters(stream: fixture.keys.dead(cancelled)) == one)
        let limited = try await fixture.admin.deadLetters(limit: 2)
        #expect(limited.total == 3 && limited.letters.count == 2)
        #expect(limited.text.contains("(1 more; --limit shows more)"))
        #expect(all.text.contains("card service down"))
        #expect(try jsonRoundTrip(all))
        #expect(try await fixture.admin.deadLetters(stream: "events:nothing").text == "no dead letters")
        await fixture.close()
    }

    @Test("show gives the entry's own fields apart from the dead-letter ones; an unknown id is not found")
    func show() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.commands(.orders)
        let envelope = Envelope(type: "CreateOrder", data: #"{"ticketId":"x"}"#, correlationID: "c-1", userID: "u-1", replyTo: fixture.keys.replies("api"))
        let id = try await fixture.deadLetter(envelope.fields, stream: stream, group: "orders", error: "line one\nline two", deliveries: 4)

        let letter = try await fixture.admin.deadLetter(id)
        #expect(letter.id == id && letter.stream == stream && letter.group == "orders")
        #expect(letter.fields.map(\.name) == envelope.fields.map(\.0))
        #expect(letter.fields.map(\.value) == envelope.fields.map(\.1))
        #expect(letter.error == "line one\nline two")
        #expect(letter.entryID.flatMap(StreamID.init) != nil)
        #expect(try await fixture.admin.deadLetter(id, stream: "commands:orders") == letter)
        #expect(letter.text.contains("deliveries  4"))
        #expect(letter.text.split(separator: "\n").contains { $0.hasPrefix("  data ") && $0.hasSuffix(#" {"ticketId":"x"}"#) })
        #expect(try jsonRoundTrip(letter))

        #expect(await fixture.adminErrorCode { try await fixture.admin.deadLetter("1-1") } == .notFound)
        #expect(await fixture.adminErrorCode { try await fixture.admin.deadLetter(id, stream: "commands:payments") } == .notFound)
        #expect(await fixture.adminErrorCode { try await fixture.admin.deadLetter("latest") } == .invalidInput)
        await fixture.close()
    }

    @Test("replaying one adds exactly its own fields back to its stream and deletes the letter; a second replay finds nothing")
    func replayOne() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.events(.ticketUpdated)
        let envelope = Envelope(type: "ticket:updated", data: #"{"version":3}"#, correlationID: "c-9")
        let id = try await fixture.deadLetter(envelope.fields, stream: stream)
        let original = try #require(try await fixture.redis.xrange(stream).last)

        let report = try await fixture.admin.replay(id)
        let replayed = try #require(report.replayed.first)
        #expect(report.replayed.count == 1 && report.skipped.isEmpty)
        #expect(replayed.deadLetterID == id && replayed.stream == stream)
        #expect(replayed.messageID == envelope.id.uuidString.lowercased())
        let entry = try #require(try await fixture.redis.xrange(stream).last)
        #expect(entry.id == replayed.entryID)
        #expect(try #require(StreamID(entry.id)) > #require(StreamID(original.id)))
        #expect(entry.fields == original.fields)
        #expect(try await fixture.redis.xlen(fixture.keys.dead(stream)) == 0)
        #expect(report.text.contains("replayed \(id) to \(stream) as \(entry.id)"))
        #expect(try jsonRoundTrip(report))

        #expect(await fixture.adminErrorCode { try await fixture.admin.replay(id) } == .notFound)
        #expect(try await fixture.redis.xlen(stream) == 2)
        await fixture.close()
    }

    @Test("replaying a command given up on withdraws its final answer, so a poll says pending until it is handled")
    func replayCommandWithdrawsGivenUp() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.commands(.tickets)
        let replies = fixture.keys.replies("api-1")
        let envelope = Envelope(type: CreateTicket.type, data: #"{"priceCents":500,"title":"t"}"#, replyTo: replies)
        let messageID = envelope.id.uuidString.lowercased()
        let id = try await fixture.deadLetter(envelope.fields, stream: stream)
        #expect(try await fixture.redis.getString(fixture.keys.commandFailure(messageID)) == GivenUpCommand.body)
        #expect(try await fixture.redis.xrange(replies).map { $0["status"] } == [String(GivenUpCommand.status)])

        let other = Envelope(type: CreateTicket.type, data: #"{"priceCents":700,"title":"u"}"#, replyTo: replies)
        try await fixture.deadLetter(other.fields, stream: stream)
        _ = try await fixture.admin.replay(id)
        #expect(try await fixture.redis.getString(fixture.keys.commandFailure(messageID)) == nil)
        #expect(try await fixture.redis.getString(fixture.keys.commandFailure(other.id.uuidString.lowercased())) == GivenUpCommand.body)
        await fixture.close()
    }

    @Test("replay all replays every letter, or those of one stream; letters the workers cannot read stay")
    func replayAll() async throws {
        let fixture = try await AdminFixture.make()
        let created = fixture.keys.events(.orderCreated), cancelled = fixture.keys.events(.orderCancelled)
        for _ in 0..<3 { try await fixture.deadLetter(Envelope(type: "order:created", data: "{}").fields, stream: created) }
        let unreadable = try await fixture.deadLetter([("hello", "world")], stream: created)
        try await fixture.deadLetter(Envelope(type: "order:cancelled", data: "{}").fields, stream: cancelled)

        #expect(await fixture.adminErrorCode { try await fixture.admin.replay(unreadable) } == .notReplayable)
        let some = try await fixture.admin.replayAll(stream: "events:order:cancelled")
        #expect(some.replayed.map(\.stream) == [cancelled])
        #expect(try await fixture.redis.xlen(fixture.keys.dead(created)) == 4)

        let rest = try await fixture.admin.replayAll()
        #expect(rest.replayed.count == 3 && rest.replayed.allSatisfy { $0.stream == created })
        #expect(rest.skipped.map(\.deadLetterID) == [unreadable])
        #expect(try await fixture.redis.xrange(fixture.keys.dead(created)).map(\.id) == [unreadable])
        #expect(try await fixture.redis.xlen(created) == 4 + 3)
        #expect(try await fixture.redis.xlen(cancelled) == 1 + 1)
        #expect(rest.text.hasSuffix("3 replayed, 1 left"))
        #expect(try jsonRoundTrip(rest))
        #expect(try await fixture.admin.replayAll(stream: "events:order:cancelled").text == "no dead letters to replay")
        await fixture.close()
    }
    @Test("replay all replays the letters there were when it started; letters arriving meanwhile stay, in the stream it is replaying and in one it has not reached yet")
    func replayAllTakesASnapshot() async throws {
        let fixture = try await AdminFixture.make()
        let redis = try await RedisClient.connect(configuration: fixture.redis.configuration)
        // Dead-letter streams are replayed in key order: order:cancelled's before order:created's.
        let first = fixture.keys.events(.orderCancelled), next = fixture.keys.events(.orderCreated)
        let count = 3_000
        try await fixture.letters(count, from: first)
        try await fixture.letters(1, from: next)

        let replay = Task { try await fixture.admin.replayAll() }
        // Once the replay is under way (letters are back in the first stream), more arrive.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await redis.xlen(first) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        var arrived: [String: [String]] = [:]
        for (stream, wanted) in [(first, 2), (next, 1)] {
            for _ in 0..<wanted {
                let fields = Envelope(type: "thing", data: "{}").fields + [
                    (DeadLetterField.stream, stream), (DeadLetterField.group, "workers"), (DeadLetterField.error, "late")]
                arrived[stream, default: []].append(try await redis.xadd(fixture.keys.dead(stream), fields: fields))
            }
        }
        let replayedMeanwhile = try await redis.xlen(first)
        #expect(replayedMeanwhile > 0 && replayedMeanwhile < count, "the late letters did not arrive during the replay (\(replayedMeanwhile) of \(count) replayed)")

        let report = try await replay.value
        #expect(report.replayed.count == count + 1)
        #expect(report.skipped.isEmpty)
        #expect(try await redis.xrange(fixture.keys.dead(first)).map(\.id) == arrived[first])
        #expect(try await redis.xrange(fixture.keys.dead(next)).map(\.id) == arrived[next])
        #expect(try await redis.xlen(first) == count)
        #expect(try await redis.xlen(next) == 1)
        await redis.shutdown()
        await fixture.close()
    }
}
