import ClientSupport
import Contracts
import Logging
import RedisClient
import ServiceLifecycle

/// The one reader of this API instance's reply stream: `XREAD BLOCK` on a connection of its
/// own, handing each reply to the request waiting for it. One per instance rather than one per
/// request, so a thousand waiting requests cost one connection and one blocked read.
///
/// The loop runs on its connection's thread, so a read's replies are handed over where the
/// read completed, without a hop to another thread first.
struct ReplyReader: Service {
    let redis: RedisClient
    let stream: String
    let waiters: ReplyWaiters
    let block: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await readLoop()
        }
    }

    private func readLoop() async {
        let thread = OwnedThread(name: "reply-reader")
        defer { thread.shutdown() }
        await withTaskExecutorPreference(thread) { await readLoop(on: thread) }
    }

    private func readLoop(on thread: OwnedThread) async {
        var connection: RedisConnection?
        // From the start of the stream: an instance name reused after a restart only costs
        // reading old replies (capped and expiring) that no one waits for, and a reply that
        // lands before the first read is never missed.
        var lastID = "0-0"
        var failures = 0
        while !Task.isCancelled {
            do {
                if connection == nil {
                    var configuration = redis.configuration
                    configuration.clientName = Self.clientName(of: stream)
                    connection = try await RedisConnection.connect(configuration: configuration, logger: logger, on: thread)
                }
                let read = try await connection!.xread(streams: [(stream, lastID)], count: 500, block: block)
                for entry in read.flatMap(\.entries) {
                    lastID = entry.id
                    guard let id = entry[EnvelopeField.id], let status = entry["status"].flatMap(Int.init) else {
                        logger.warning("reply without id or status ignored", metadata: ["entry_id": "\(entry.id)"])
                        continue
                    }
                    waiters.deliver(id, ServiceReply(status: status, body: entry["body"] ?? ""))
                }
                failures = 0
            } catch {
                if Task.isCancelled { break }
                failures += 1
                logger.warning("reading replies failed", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                await connection?.close()
                connection = nil
                try? await Task.sleep(for: .milliseconds(min(50 * (1 << min(failures, 6)), 2000)))
            }
        }
        await connection?.close()
    }

    /// The reading connection's name in `CLIENT LIST`.
    static func clientName(of stream: String) -> String { "reply-reader:\(stream)" }
}
