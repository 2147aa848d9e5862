import CLibpq
import Logging

/// Where libpq's notices go instead of stderr: into the logger, and a FATAL one (the server
/// saying it is ending an idle session, e.g. on shutdown) marks the session as lost.
///
/// Called by libpq only inside calls on the connection's thread, so it needs no lock.
final class NoticeSink {
    let logger: Logger
    /// The server announced it is ending the session.
    var sawFatal = false

    init(logger: Logger) { self.logger = logger }

    func install(on connection: OpaquePointer) {
        PQsetNoticeReceiver(
            connection,
            { context, result in
                guard let context, let result else { return }
                Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue().receive(result)
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    private func receive(_ result: OpaquePointer) {
        let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) } ?? ""
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
        switch severity {
        case "FATAL", "PANIC":
            sawFatal = true
            logger.debug("server ended the session", metadata: ["message": "\(message)"])
        case "WARNING":
            logger.warning("postgres warning", metadata: ["message": "\(message)"])
        default:
            logger.debug("postgres notice", metadata: ["severity": "\(severity)", "message": "\(message)"])
        }
    }
}
