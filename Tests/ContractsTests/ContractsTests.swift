import Contracts
import Foundation
import Testing

@Suite struct EnvelopeTests {
    @Test("an envelope survives its trip through stream fields")
    func roundTrip() throws {
        let envelope = Envelope(
            type: EventName.orderCreated.rawValue, data: #"{"id":"o1","version":0}"#,
            occurredAt: Date(timeIntervalSince1970: 1_795_000_000.125),
            correlationID: "c-1", userID: "u-1", replyTo: "ticketing:replies:api-1")
        let decoded = try Envelope(fields: envelope.fields)
        #expect(decoded == envelope)
        #expect(envelope.fields.map(\.0) == ["id", "type", "data", "occurred_at", "correlation_id", "user_id", "reply_to"])
    }

    @Test("a malformed entry names the field at fault", arguments: [
        ([("type", "t"), ("data", "{}")], "id"),
        ([("id", "not-a-uuid"), ("type", "t"), ("data", "{}")], "id"),
        ([("id", UUID().uuidString), ("data", "{}")], "type"),
        ([("id", UUID().uuidString), ("type", "t")], "data"),
        ([("id", UUID().uuidString), ("type", "t"), ("data", "{}"), ("occurred_at", "yesterday")], "occurred_at"),
    ])
    func malformedEntries(fields: [(String, String)], field: String) {
        #expect(throws: EnvelopeError.self) { try Envelope(fields: fields) }
        do { _ = try Envelope(fields: fields) } catch { #expect(error.field == field) }
    }
}

@Suite struct TimestampTests {
    @Test("timestamps are UTC with milliseconds and parse back")
    func formatAndParse() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.987)
        let text = Timestamp.format(date)
        #expect(text == "2026-11-18T11:06:40.987Z")
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test("offsets and plain seconds are understood; nonsense is not")
    func parseVariants() {
        #expect(Timestamp.parse("2026-11-18T13:06:40+02:00") == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(Timestamp.parse("2026-11-18T11:06:40Z") == Date(timeIntervalSince1970: 1_795_000_000))
        for bad in ["", "2026-11-19", "2026-13-19T08:26:40Z", "2026-11-19T08:26:40", "2026-11-19T08:26:40.Z", "2026-11-19T08:26:40Zjunk"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct KeySpaceTests {
    @Test("every key hangs off the prefix")
    func keys() {
        let keys = KeySpace(prefix: "t1")
        #expect(keys.commands(.orders) == "t1:commands:orders")
        #expect(keys.events(.orderCreated) == "t1:events:order:created")
        #expect(keys.replies("api-7") == "t1:replies:api-7")
        #expect(keys.dead("t1:events:order:created") == "t1:dead:t1:events:order:created")
        #expect(keys.stream(ofDead: "t1:dead:t1:events:order:created") == "t1:events:order:created")
        #expect(keys.stream(ofDead: "t1:events:order:created") == nil)
        #expect(keys.expirations == "t1:expirations")
        #expect(KeySpace().commands(.auth) == "ticketing:commands:auth")
    }
}

@Suite struct RandomUUIDTests {
    @Test("random UUIDs are version 4, RFC 4122 variant, and distinct")
    func versionAndVariant() {
        let ids = (0..<1000).map { _ in UUID.random() }
        #expect(Set(ids).count == 1000)
        for id in ids {
            let text = id.uuidString
            #expect(Array(text)[14] == "4")
            #expect("89AB".contains(Array(text)[19]))
        }
    }
}

@Suite("time-ordered ids")
struct TimeOrderedIDTests {
    @Test("version 7 with the RFC variant, the millisecond in front, and later ids sorting after earlier ones")
    func layout() {
        let now = Date(timeIntervalSince1970: 1_796_000_000.123)
        let id = UUID.timeOrdered(now: now)
        let text = id.uuidString.lowercased()
        #expect(Array(text)[14] == "7")
        #expect("89ab".contains(Array(text)[19]))
        let milliseconds = UInt64(text.replacingOccurrences(of: "-", with: "").prefix(12), radix: 16)
        #expect(milliseconds == 1_796_000_000_123)
        let later = UUID.timeOrdered(now: now.addingTimeInterval(0.002))
        #expect(later.uuidString.lowercased() > text)
        #expect(Set((0..<1000).map { _ in UUID.timeOrdered(now: now) }).count == 1000)
    }
}

@Suite("reply notices")
struct ReplyNoticeContractTests {
    @Test("a reply stream's channel is a short identifier of its own, the same every time")
    func channel() {
        let long = KeySpace(prefix: String(repeating: "p", count: 80)).replies(String(repeating: "i", count: 80))
        let channels = [KeySpace().replies("api-1"), KeySpace().replies("api-2"), long].map(ReplyNotice.channel(forReplyStream:))
        #expect(Set(channels).count == 3)
        #expect(channels.allSatisfy { $0.utf8.count <= 63 && $0.hasPrefix("replies_") })
        #expect(ReplyNotice.channel(forReplyStream: KeySpace().replies("api-1")) == channels[0])
    }

    @Test("a payload carries id, status and a body with spaces; one too long for Postgres is not made")
    func payload() throws {
        let body = #"{"title":"a b  c","n":1}"#
        let payload = try #require(ReplyNotice.payload(id: "0193-x", status: 201, body: body))
        let parsed = try #require(ReplyNotice.parse(payload))
        #expect(parsed.id == "0193-x" && parsed.status == 201 && parsed.body == body)
        #expect(ReplyNotice.payload(id: "x", status: 200, body: String(repeating: "é", count: 4_000)) == nil)
        #expect(ReplyNotice.parse("no-status-here") == nil)
        #expect(ReplyNotice.parse("id two body") == nil)
    }

    @Test("an envelope keeps its reply_notify field")
    func envelopeField() throws {
        let envelope = Envelope(type: "t", data: "{}", replyTo: "r", replyNotify: "replies_0011")
        let read = try Envelope(fields: envelope.fields)
        #expect(read.replyNotify == "replies_0011")
        #expect(try Envelope(fields: Envelope(type: "t", data: "{}").fields).replyNotify == nil)
    }
}
