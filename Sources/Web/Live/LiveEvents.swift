import Contracts
import Foundation
import Logging
import RedisClient
import ServiceLifecycle
import Synchronization

/// One reader per API process of the fleet's event streams, for the live pages: it follows
/// `ticket:updated` (reserved, released, edited), `order:cancelled` (expired, cancelled) and
/// `payment:created` (paid) with a blocking `XREAD` from their ends on a connection of its own, and
/// wakes the pages watching the ticket or order an event names. Every round (at most one read
/// block apart) it also wakes every watcher, so a change that lands a moment after its event
/// (an order turns complete after payment:created) is still seen. Reading without a consumer
/// group, it takes nothing from the workers. With no page watching it reads nothing: it waits
/// for the first watcher and then starts from the streams' ends (what came before, the page
/// already showed), so an API under load does not read and decode every event for no one.
final class LiveEvents: Service, Sendable {
    static let block: Duration = .seconds(2)

    private let redis: RedisClient
    private let keys: KeySpace
    private let watchers = Mutex<[String: [UUID: AsyncStream<Void>.Continuation]]>([:])
    private let logger = Logger(label: "web-live")
    /// Rings when a watcher arrives while there were none (see ``follow()``).
    private let firstWatcher: (wakeUps: AsyncStream<Void>, ring: AsyncStream<Void>.Continuation)

    init(redis: RedisClient, keys: KeySpace) {
        self.redis = redis
        self.keys = keys
        let (wakeUps, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        firstWatcher = (wakeUps, ring)
    }

    /// Wake-ups for the record `id` (a ticket or an order), until the stream is dropped or
    /// `finish` is called.
    func watch(_ id: String) -> (wakeUps: AsyncStream<Void>, finish: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let token = UUID()
        let first = watchers.withLock { watchers in
            defer { watchers[id, default: [:]][token] = continuation }
            return watchers.isEmpty
        }
        if first { firstWatcher.ring.yield() }
        continuation.onTermination = { [weak self] _ in
            self?.watchers.withLock { watchers in
                watchers[id]?[token] = nil
                if watchers[id]?.isEmpty == true { watchers[id] = nil }
            }
        }
        return (stream, { continuation.finish() })
    }

    var watcherCount: Int { watchers.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.follow()
        }
        // Shutting down: end every live response, so the server can drain.
        let all = watchers.withLock { watchers in
            defer { watchers = [:] }
            return watchers.values.flatMap(\.values)
        }
        for continuation in all { continuation.finish() }
    }

    private func follow() async {
        let streams: [(key: String, name: EventName)] = [
            (keys.events(.ticketUpdated), .ticketUpdated), (keys.events(.orderCancelled), .orderCancelled),
            (keys.events(.paymentCreated), .paymentCreated),
        ]
        var positions: [String: String] = [:]
        var connection: RedisConnection?
        var firstWatchers = firstWatcher.wakeUps.makeAsyncIterator()
        while !Task.isCancelled {
            if positions.isEmpty || watcherCount == 0 {
                // Nobody watching: wait for someone (the stream ends with the task's cancellation).
                while watcherCount == 0 {
                    guard await firstWatchers.next() != nil, !Task.isCancelled else { break }
                }
                if Task.isCancelled { break }
                // From each stream's last entry now (not `$` on every read, which would skip an
                // entry added between two reads); a stream that does not exist yet is read from
                // its start; with Redis away, from whatever comes once it is back.
                for stream in streams {
                    do {
                        positions[stream.key] = try await redis.xrevrange(stream.key, count: 1).first?.id ?? "0-0"
                    } catch {
                        positions[stream.key] = "$"
                    }
                }
            }
            do {
                if connection == nil { connection = try await redis.dedicatedConnection() }
                let read = try await connection!.xread(
                    streams: streams.map { ($0.key, positions[$0.key] ?? "0-0") }, count: 100, block: Self.block)
                var named = Set<String>()
                for messages in read {
                    guard let name = streams.first(where: { $0.key == messages.stream })?.name else { continue }
                    for entry in messages.entries {
                        positions[messages.stream] = entry.id
                        if let id = Self.recordID(name, data: entry[EnvelopeField.data]) { named.insert(id) }
                    }
                }
                wake(named)
            } catch {
                // Shutting down: the read was cancelled, nothing failed.
                if Task.isCancelled { break }
                logger.warning("live events: reading the event streams failed; retrying", metadata: ["error": "\(error)"])
                if let connection { await connection.close() }
                connection = nil
                wake([])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        if let connection { await connection.close() }
    }

    /// Wakes the watchers of the records named, then everyone else (the round's tick).
    private func wake(_ named: Set<String>) {
        let all = watchers.withLock { $0 }
        for (id, continuations) in all where named.contains(id) { continuations.values.forEach { $0.yield() } }
        for (id, continuations) in all where !named.contains(id) { continuations.values.forEach { $0.yield() } }
    }

    /// The ticket or order an event is about.
    static func recordID(_ name: EventName, data: String?) -> String? {
        guard let data else { return nil }
        switch name {
        case .ticketUpdated: return (try? MessageCoding.decode(TicketUpdated.self, from: data))?.id
        case .orderCancelled: return (try? MessageCoding.decode(OrderCancelled.self, from: data))?.id
        case .paymentCreated: return (try? MessageCoding.decode(PaymentCreated.self, from: data))?.orderId
        default: return nil
        }
    }
}
