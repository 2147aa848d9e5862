import Contracts
import Foundation
import Logging
import PostgresClient
import RedisClient

/// What became of each message of a batch, for the consumer to acknowledge, reply, retry or
/// dead-letter once the transaction is over.
struct BatchOutcome {
    /// Committed now, or handled before (a duplicate): acknowledge.
    var handled: [IncomingMessage] = []
    /// Replies to send after the commit (for handled commands and their duplicates).
    var replies: [(stream: String, fields: [(String, String)])] = []
    /// Failed this time: stay pending, retried after a backoff, the error kept for a dead letter.
    var failed: [(message: IncomingMessage, error: String)] = []
    /// Can never be handled (no handler for its type): dead-letter now.
    var unhandleable: [(message: IncomingMessage, error: String)] = []
    /// Events committed to the outbox, in order: settlement publishes them right away.
    var events: [CommittedEvent] = []
    var duplicates = 0
    var roundTrips = 0
    /// The transaction committed (false: nothing of the batch reached Postgres).
    var committed = false
    /// A test hook stopped the worker before the commit.
    var crash: SimulatedCrash?
}

/// An event whose outbox row committed, ready to be appended to its stream.
struct CommittedEvent {
    let id: UUID
    let stream: String
    let fields: [(String, String)]
    /// Its ``PublicationEffect``'s commands, sent with its `XADD`.
    let effects: [RedisCommand]
}

/// A test hook's error: the worker stops where it stands, as if the process had died.
struct SimulatedCrash: Error {
    let underlying: Error
    init(_ underlying: Error) { self.underlying = underlying }
}

/// Handles a batch of messages in one Postgres transaction: one inbox check (for commands and
/// redelivered entries, see ``process(_:marking:)``), the handlers, one inbox insert and one
/// outbox insert for the whole batch, then the commit. Statements go out pipelined, so a batch
/// of new events whose handlers only write costs one round trip, and one whose handlers read
/// through continuations (``MessageContext/query(_:then:)``) two, whatever its size; the check
/// adds one.
///
/// A message whose statement fails, or whose handler throws after its writes were sent, is
/// taken out and the batch runs again without it: one bad message never undoes the others,
/// and no savepoints are needed on the way (which would cost Postgres a subtransaction each).
struct BatchProcessor: Sendable {
    let service: ServiceDefinition
    let keys: KeySpace
    let database: PostgresClient
    let redis: RedisClient
    let logger: Logger
    /// Outbox rows published since the last commit; deleted in the next batch's transaction.
    let marks: PublishedMarks
    let publicationEffects: PublicationEffects
    /// Test hook; see ``Worker/Hooks``.
    let beforeCommit: (@Sendable ([IncomingMessage]) async throws -> Void)?

    /// Statements are prepared once per connection. A generic plan for `= ANY($1)` made while
    /// the inbox was empty (a new database) scans the whole table until the next ANALYZE, so
    /// the inbox check is planned anew each time; the handlers' statements keep their cached
    /// plans, which planning every statement would cost Postgres half again as much CPU.
    /// Both settings travel pipelined with other statements: no round trip.
    static let customPlans: PostgresQuery = "SET LOCAL plan_cache_mode = force_custom_plan"
    static let cachedPlans: PostgresQuery = "SET LOCAL plan_cache_mode = auto"

    func process(_ messages: [IncomingMessage]) async -> BatchOutcome {
        let published = marks.take()
        let outcome = await process(messages, marking: published)
        if !outcome.committed { marks.add(published) }
        return outcome
    }

    private func process(_ messages: [IncomingMessage], marking published: [UUID]) async -> BatchOutcome {
        var failed: [Int: String] = [:]
        var sharedFailures = 0
        // Messages read for the first time are almost never duplicates, so their batch skips the
        // inbox check (a statement and a round trip) and lets the inbox insert find one: a
        // message handled before fails that plain insert, which rolls the whole batch back, and
        // the batch runs again with the check. A redelivered entry is checked from the start, and
        // so is a command whose handler may act outside the transaction (a payment gateway's
        // charge), which must not run for a duplicate: commands come again with their id by
        // design (an Idempotency-Key resent, an operator's replay).
        var checkInbox = messages.contains {
            $0.deliveryCount > 1
                || (keys.isCommands($0.stream) && !service.isTransactionOnly(stream: $0.stream, type: $0.envelope.type))
        }
        // The replies' notifications are a fast path only: a batch whose shared statements
        // failed runs again without them, so nothing about them (a full notification queue
        // behind a stuck listener, say) can hold the queue up.
        var notify = true
        while true {
            do {
                return try await database.withConnection { [checkInbox, notify] connection in
                    try await attempt(
                        messages, excluding: failed, marking: published, checkInbox: checkInbox, notify: notify, on: connection)
                }
            } catch BatchFailure.message(_, let error) where !checkInbox {
                // Unchecked, a duplicate may fail on its own earlier effects; with the check it is
                // skipped, and a message that fails then fails for a reason of its own.
                checkInbox = true
                logger.info("batch runs again with the inbox check", metadata: ["error": "\(error)"])
            } catch BatchFailure.message(let index, let error) {
                logger.warning("message failed; the batch goes on without it", metadata: metadata(messages[index], error))
                failed[index] = error
            } catch let crash as SimulatedCrash {
                var outcome = BatchOutcome()
                outcome.crash = crash
                return outcome
            } catch BatchFailure.shared(let error) where sharedFailures < 3 {
                // Most often one of these messages was committed before, here or by another
                // consumer (the inbox insert conflicts): the next attempt's inbox check sees it
                // as a duplicate.
                sharedFailures += 1
                checkInbox = true
                notify = false
                logger.info("batch retried", metadata: ["error": "\(error)"])
            } catch {
                logger.error("batch failed; its messages stay pending", metadata: ["error": "\(error)"])
                var outcome = BatchOutcome()
                outcome.failed = messages.map { ($0, "\(error)") }
                return outcome
            }
        }
    }

    private func attempt(
        _ messages: [IncomingMessage], excluding failed: [Int: String], marking published: [UUID], checkInbox: Bool,
        notify: Bool, on connection: PostgresConnection
    ) async throws -> BatchOutcome {
        let session = BatchSession(connection: connection)
        do {
            return try await run(
                messages, excluding: failed, marking: published, checkInbox: checkInbox, notify: notify, session: session)
        } catch {
            await session.rollback()
            throw error
        }
    }

    private func run(
        _ messages: [IncomingMessage], excluding failed: [Int: String], marking published: [UUID], checkInbox: Bool,
        notify: Bool, session: BatchSession
    ) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        var notices = ReplyNotices()
        // A reply goes to the stream `replyEntry` allows, and also by notification on that
        // stream's channel.
        func answer(_ message: IncomingMessage, with reply: Reply) {
            let entry = replyEntry(for: message, reply)
            outcome.replies += entry
            if notify, let stream = entry.first?.stream { notices.append(message, reply, replyStream: stream) }
        }
        session.enqueue("BEGIN", owner: nil)
        var seen: [UUID: Reply?] = [:]
        if checkInbox || !published.isEmpty {
            session.enqueue(Self.customPlans, owner: nil)
            if checkInbox { seen = try await handledBefore(messages, session: session) }
            // The outbox is small and churns, so its `= ANY($1)` delete is planned anew too.
            if !published.isEmpty { session.enqueue(PublishedMarks.delete(published), owner: nil) }
            session.enqueue(Self.cachedPlans, owner: nil)
        }

        var inbox = InboxRows(group: service.name)
        var outbox = OutboxRows(service: service.name)
        var firstCopy: [UUID: Int] = [:]
        var copies: [(index: Int, of: Int)] = []
        var handled: [(IncomingMessage, MessageContext)] = []
        for (index, message) in messages.enumerated() {
            let id = message.envelope.id
            if let error = failed[index] {
                outcome.failed.append((message, error))
            } else if let stored = seen[id] {
                outcome.handled.append(message)
                outcome.duplicates += 1
                if let stored { answer(message, with: stored) }
            } else if let first = firstCopy[id] {
                copies.append((index, first))  // the same message twice in one batch: one effect
            } else if let handler = service.handler(stream: message.stream, type: message.envelope.type) {
                firstCopy[id] = index
                let context = MessageContext(message: message, index: index, session: session, keys: keys, redis: redis, service: service.name)
                do {
                    try await handler(message, context)
                } catch let failure as BatchFailure {
                    throw failure
                } catch {
                    // Writes already sent can only be undone by rolling the batch back.
                    if session.sentOwners.contains(index) { throw BatchFailure.message(index, "\(error)") }
                    session.dropPending(owner: index)
                    firstCopy[id] = nil
                    outcome.failed.append((message, "\(error)"))
                    continue
                }
                handled.append((message, context))
            } else {
                outcome.unhandleable.append((message, "no handler for type \(message.envelope.type) on \(message.stream)"))
            }
        }
        // The statements whose rows handlers wait for go out together; their continuations
        // may queue more.
        while session.hasContinuations { try await session.flush() }
        for (message, context) in handled {
            inbox.append(message, reply: context.reply)
            outbox.append(context.events, streams: context.eventStreams)
            for (event, stream) in zip(context.events, context.eventStreams) {
                outcome.events.append(CommittedEvent(
                    id: event.id, stream: stream, fields: event.fields, effects: publicationEffects.commands(for: event)))
            }
            outcome.handled.append(message)
            if let reply = context.reply { answer(message, with: reply) }
        }
        for (index, first) in copies {
            outcome.handled.append(messages[index])
            outcome.duplicates += 1
            if let reply = inbox.reply(for: messages[first].envelope.id) { answer(messages[index], with: reply) }
        }

        if let beforeCommit {
            // The hook sees the handlers' writes made and not committed (holding their locks),
            // so what they queued goes out first: a round trip only tests pay. The inbox and
            // outbox rows follow the hook, with the commit.
            try await session.flush()
            do { try await beforeCommit(outcome.handled) } catch { throw SimulatedCrash(error) }
        }
        if !inbox.isEmpty { session.enqueue(inbox.insert, owner: nil) }
        if !outbox.isEmpty { session.enqueue(outbox.insert, owner: nil) }
        if !notices.isEmpty { session.enqueue(notices.statement, owner: nil) }

        session.enqueue("COMMIT", owner: nil)
        try await session.flush()
        outcome.committed = true
        outcome.roundTrips = session.roundTrips
        return outcome
    }

    /// The messages this group handled before, with the reply each got (if any).
    private func handledBefore(_ messages: [IncomingMessage], session: BatchSession) async throws -> [UUID: Reply?] {
        let ids = messages.map(\.envelope.id)
        let rows = try await session.run(
            "SELECT message_id, reply_status, reply_body FROM messaging.inbox WHERE consumer_group = \(service.name) AND message_id = ANY(\(ids))",
            owner: nil)
        var seen: [UUID: Reply?] = [:]
        for row in rows {
            let (id, status, body) = try row.decode((UUID, Int32?, String?).self)
            // Not `seen[id] = status.map { … }`: there the subscript's type makes `map` produce a
            // `Reply??`, nil for a message with no reply (an event), and that removes the key.
            seen.updateValue(status.map { Reply(status: Int($0), body: body ?? "") }, forKey: id)
        }
        return seen
    }

    private func replyEntry(for message: IncomingMessage, _ reply: Reply) -> [(stream: String, fields: [(String, String)])] {
        guard let stream = message.envelope.replyTo else { return [] }
        // Whoever can add an entry could name any key here; a worker writes only to an API
        // copy's reply stream. The command itself has been handled: only its answer is dropped.
        // The stream's name is not logged: it is the sender's text.
        guard keys.isReplies(stream) else {
            logger.warning("command names a reply stream outside the fleet's replies; no reply sent", metadata: [
                "stream": "\(message.stream)", "entry_id": "\(message.entryID)", "message_id": "\(message.envelope.id)",
            ])
            return []
        }
        var fields = [
            (EnvelopeField.id, message.envelope.id.lowercasedString),
            ("status", String(reply.status)),
            ("body", reply.body),
        ]
        if let correlation = message.envelope.correlationID { fields.append((EnvelopeField.correlationID, correlation)) }
        return [(stream, fields)]
    }

    private func metadata(_ message: IncomingMessage, _ error: String) -> Logger.Metadata {
        [
            "stream": "\(message.stream)", "entry_id": "\(message.entryID)",
            "message_id": "\(message.envelope.id)", "correlation_id": "\(message.envelope.correlationID ?? "")",
            "error": "\(error)",
        ]
    }
}

/// The inbox rows of a batch, inserted with one statement.
private struct InboxRows {
    let group: String
    private var ids: [UUID] = []
    private var streams: [String] = []
    private var entries: [String] = []
    private var statuses: [Int32] = []
    private var bodies: [String] = []

    init(group: String) { self.group = group }

    var isEmpty: Bool { ids.isEmpty }

    mutating func append(_ message: IncomingMessage, reply: Reply?) {
        ids.append(message.envelope.id)
        streams.append(message.stream)
        entries.append(message.entryID)
        statuses.append(Int32(reply?.status ?? 0))
        bodies.append(reply?.body ?? "")
    }

    func reply(for id: UUID) -> Reply? {
        guard let index = ids.firstIndex(of: id), statuses[index] != 0 else { return nil }
        return Reply(status: Int(statuses[index]), body: bodies[index])
    }

    /// A plain insert: if another consumer committed the same message meanwhile, the unique
    /// key fails this batch and the retry finds the message handled, so no effect doubles.
    var insert: PostgresQuery {
        """
        INSERT INTO messaging.inbox (consumer_group, message_id, stream, entry_id, reply_status, reply_body)
        SELECT \(group), m, s, e, NULLIF(rs, 0), CASE WHEN rs = 0 THEN NULL ELSE rb END
        FROM unnest(\(ids), \(streams), \(entries), \(statuses), \(bodies)) AS t(m, s, e, rs, rb)
        """
    }
}

/// The outbox rows of a batch, inserted with one statement, in the order they were published.
private struct OutboxRows {
    let service: String
    private var ids: [UUID] = []
    private var streams: [String] = []
    private var types: [String] = []
    private var data: [String] = []
    private var correlations: [String] = []
    private var times: [Date] = []

    init(service: String) { self.service = service }

    var isEmpty: Bool { ids.isEmpty }

    mutating func append(_ events: [Envelope], streams eventStreams: [String]) {
        for (event, stream) in zip(events, eventStreams) {
            ids.append(event.id)
            streams.append(stream)
            types.append(event.type)
            data.append(event.data)
            correlations.append(event.correlationID ?? "")
            times.append(event.occurredAt)
        }
    }

    var insert: PostgresQuery {
        """
        INSERT INTO messaging.outbox (service, message_id, stream, type, data, correlation_id, occurred_at)
        SELECT \(service), m, s, t, d, NULLIF(c, ''), o
        FROM unnest(\(ids), \(streams), \(types), \(data), \(correlations), \(times)) WITH ORDINALITY AS u(m, s, t, d, c, o, n)
        ORDER BY n
        """
    }
}
