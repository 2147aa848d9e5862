import ClientSupport
import Contracts
import Logging
import PostgresClient
import ServiceLifecycle

/// Takes the services' replies by Postgres notification (``ReplyNotice``): `LISTEN`s on this
/// instance's channel on a connection of its own and hands each reply to the request waiting
/// for it, on that connection's thread as the notification is read. The ``ReplyReader`` still
/// reads every reply from the stream: a notification is only ever the earlier copy.
///
/// It connects in the background, as the API's other clients do: with Postgres down the API
/// still starts, and replies come by the stream until the listener is in.
struct ReplyNoticeListener: Service {
    let configuration: PostgresConfiguration
    let channel: String
    let waiters: ReplyWaiters
    let logger: Logger

    func run() async throws {
        guard let listener = await connect() else { return }
        try? await gracefulShutdown()
        await listener.stop()
    }

    /// Starts listening, trying again with backoff until it works or the API shuts down.
    private func connect() async -> PostgresListener? {
        var attempt = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                return try await PostgresListener.start(
                    configuration: configuration, channels: [channel], logger: logger
                ) { [waiters, logger] notification in
                    Self.deliver(notification, to: waiters, logger: logger)
                }
            } catch {
                logger.warning("listening for reply notifications failed; replies come by the stream meanwhile", metadata: [
                    "error": "\(error)", "attempt": "\(attempt + 1)",
                ])
                let delay = configuration.reconnectBackoff.delay(attempt: attempt)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                attempt += 1
            }
        }
        return nil
    }

    static func deliver(_ notification: PostgresNotification, to waiters: ReplyWaiters, logger: Logger) {
        guard let (id, status, body) = ReplyNotice.parse(notification.payload) else {
            logger.warning("reply notification not understood; ignored", metadata: ["sender_pid": "\(notification.processID)"])
            return
        }
        waiters.deliver(id, ServiceReply(status: status, body: body), fromNotice: true)
    }
}
