import CHiredis
import Foundation

/// One `redisContext*`: the thin C boundary. Created, used and freed on its connection's
/// own thread only; hiredis contexts are not thread-safe.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    private var currentTimeout: Duration?

    /// Why a read failed; every case means the context is done and must be dropped.
    enum ReadFailure: Error {
        /// No reply within the socket timeout.
        case timeout(String)
        /// The peer closed or reset the connection, or another I/O error.
        case lost(String)
        /// The byte stream is out of step with the protocol.
        case protocolError(String)
    }

    private init(context: UnsafeMutablePointer<redisContext>) {
        self.context = context
    }

    deinit {
        redisFree(context)
    }

    /// hiredis sends with `write(2)`, which raises SIGPIPE when Redis has closed the connection
    /// (a restart, a killed client) and by default ends the whole process. Ignored once, before
    /// the first connection: the write then fails with EPIPE and the connection is reported
    /// lost, as a failed read is. (libpq and SwiftNIO avoid the signal per send; hiredis 0.14
    /// cannot.)
    private static let sigpipeIgnored: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Connects within `timeout`. Throws `.connectionFailed` with hiredis's reason.
    static func connect(to endpoint: RedisConfiguration.Endpoint, timeout: Duration, keepAlive: Bool) throws -> HiredisContext {
        _ = sigpipeIgnored
        let tv = timeval(timeout)
        let raw: UnsafeMutablePointer<redisContext>?
        switch endpoint {
        case .tcp(let host, let port):
            raw = redisConnectWithTimeout(host, Int32(port), tv)
        case .unixSocket(let path):
            raw = redisConnectUnixWithTimeout(path, tv)
        }
        guard let raw else {
            throw RedisError(code: .connectionFailed, message: "could not connect to \(endpoint): out of memory")
        }
        let context = HiredisContext(context: raw)
        if raw.pointee.err != 0 {
            throw RedisError(code: .connectionFailed, message: "could not connect to \(endpoint): \(context.errorText)")
        }
        // Keepalive options are TCP-only; on a unix socket hiredis would mark the context failed.
        if keepAlive, case .tcp = endpoint, redisEnableKeepAlive(raw) != REDIS_OK {
            throw RedisError(code: .connectionFailed, message: "could not enable TCP keepalive: \(context.errorText)")
        }
        return context
    }

    /// The socket, so another thread can `shutdown(2)` it to wake a blocked read.
    var fileDescriptor: Int32 { context.pointee.fd }

    /// True when the socket has something to read although no command is outstanding: with
    /// request/response that can only be the server's EOF or reset (a restart, `CLIENT KILL`,
    /// an idle timeout). Checked before each flight so no command is sent into a dead socket.
    var isClosedByPeer: Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    /// Sets the socket's send/receive timeout; nil means none (wait forever).
    func setTimeout(_ timeout: Duration?) {
        guard timeout != currentTimeout else { return }
        // A zero timeval switches SO_RCVTIMEO off, which is what "no timeout" needs.
        let tv = timeout.map(Self.timeval) ?? Foundation.timeval(tv_sec: 0, tv_usec: 0)
        if redisSetTimeout(context, tv) == REDIS_OK { currentTimeout = timeout }
    }

    /// Adds a command to the output buffer; nothing is sent until the next read.
    func append(_ command: RedisCommand) -> Bool {
        let argv = command.arguments
        var flat: [UInt8] = []
        flat.reserveCapacity(argv.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(argv.count)
        lengths.reserveCapacity(argv.count)
        for argument in argv {
            offsets.append(flat.count)
            lengths.append(argument.count)
            flat.append(contentsOf: argument)
        }
        // A trailing byte keeps every offset (even of an empty last argument) inside the buffer.
        flat.append(0)
        return flat.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                var pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
                return pointers.withUnsafeMutableBufferPointer { argvPointer in
                    lengths.withUnsafeBufferPointer { lengthPointer in
                        redisAppendCommandArgv(
                            context, Int32(argv.count), argvPointer.baseAddress, lengthPointer.baseAddress
                        ) == REDIS_OK
                    }
                }
            }
        }
    }

    /// Flushes what was appended and reads the next reply (an error reply included).
    func readReply() -> Result<RedisReply, ReadFailure> {
        var raw: UnsafeMutableRawPointer?
        let status = redisGetReply(context, &raw)
        let savedErrno = errno
        guard status == REDIS_OK, let raw else {
            if let raw { freeReplyObject(raw) }
            return .failure(failure(errno: savedErrno))
        }
        defer { freeReplyObject(raw) }
        return .success(RedisReply(copying: raw.assumingMemoryBound(to: redisReply.self)))
    }

    private func failure(errno savedErrno: Int32) -> ReadFailure {
        let text = errorText
        switch context.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK:
            return .timeout(text)
        case REDIS_ERR_PROTOCOL, REDIS_ERR_OOM:
            return .protocolError(text)
        case REDIS_ERR_EOF:
            return .lost("the server closed the connection")
        default:
            return .lost(text.isEmpty ? "I/O error" : text)
        }
    }

    private var errorText: String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    private static func timeval(_ duration: Duration) -> Foundation.timeval {
        let (seconds, attoseconds) = duration.components
        return Foundation.timeval(tv_sec: .init(seconds), tv_usec: .init(attoseconds / 1_000_000_000_000))
    }
}
