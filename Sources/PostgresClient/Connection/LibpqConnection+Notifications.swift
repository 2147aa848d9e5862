import CLibpq
import Foundation

extension LibpqConnection {
    /// Waits up to `timeout` for notifications on the session and returns what arrived
    /// (possibly nothing). Bounded so a listener can notice it should stop.
    func waitForNotificationsOnThread(timeout: Duration) throws -> [PostgresNotification] {
        try ensureUsable()
        guard let handle else { throw PostgresError(code: .connectionLost, message: "no session") }
        // Some may already sit in libpq's queue, read along with an earlier command's result.
        var received = drainNotifications(handle)
        guard received.isEmpty else { return received }
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready > 0 {
            if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK {
                let error = PostgresError(code: .connectionLost, message: Self.errorMessage(handle))
                throw afterStatement(handle, error: error) ?? error
            }
            received = drainNotifications(handle)
        }
        return received
    }

    private func drainNotifications(_ handle: OpaquePointer) -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            received.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra),
                processID: notify.pointee.be_pid
            ))
            PQfreemem(notify)
        }
        return received
    }

    /// Quotes `identifier` for SQL text with libpq's own escaping (for LISTEN channel names).
    func escapeIdentifierOnThread(_ identifier: String) throws -> String {
        try ensureUsable()
        guard let handle else { throw PostgresError(code: .connectionLost, message: "no session") }
        let utf8 = Array(identifier.utf8)
        guard let escaped = utf8.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQescapeIdentifier(handle, $0.baseAddress, $0.count) }
        }) else {
            throw PostgresError(code: .protocol, message: Self.errorMessage(handle))
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }
}
