import BenchmarkSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive HTTP/1.1 connection over a blocking socket, used by one thread at a time.
///
/// The load's own cost should be small and visible: no URLSession, no task hops; a request is
/// one `send` of bytes written by hand and the answer is read by its `Content-Length` (every
/// API answer carries one), here or, in the load's phases, by ``MultiplexedLoad``.
final class LeanConnection {
    struct Response {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }

        /// The `session` cookie's value, the bearer token of later requests.
        var sessionCookie: String? {
            headers.lazy.filter { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("session=") }
                .first.map { String($0.1.split(separator: ";")[0].dropFirst("session=".count)) }
        }

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }

        /// Whether the server closes the connection after this answer.
        var closes: Bool { header("Connection")?.lowercased() == "close" }

        /// The answer whose head starts `bytes`, once all of the head has arrived (nil before):
        /// its status and headers, the head's length and the body's. Throws for what cannot be
        /// framed: no status line, or no `Content-Length` on an answer with a body (every API
        /// answer carries one; a 204 or 304 has no body and needs none).
        static func head(of bytes: [UInt8]) throws -> (response: Response, headLength: Int, bodyLength: Int)? {
            guard let end = bytes.firstRange(of: [13, 10, 13, 10])?.lowerBound else { return nil }
            var lines = String(decoding: bytes[0..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)[...]
            let statusLine = lines.popFirst() ?? ""
            let parts = statusLine.split(separator: " ")
            guard parts.count >= 2, let status = Int(parts[1]) else { throw BenchmarkError("not an HTTP status line: \(statusLine)") }
            let headers = lines.compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let response = Response(status: status, headers: headers, body: [])
            guard let length = response.header("Content-Length").flatMap({ Int($0) }) else {
                guard status == 204 || status == 304 else { throw BenchmarkError("an answer without Content-Length") }
                return (response, end + 4, 0)
            }
            return (response, end + 4, length)
        }
    }

    private let port: UInt16
    /// The connection's socket, -1 while closed.
    private(set) var socket: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Bytes read past the last response (none with a well-behaved server; kept anyway).
    private var pending: [UInt8] = []

    init(port: Int) { self.port = UInt16(port) }

    deinit { close() }

    func close() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
        pending.removeAll()
    }

    /// Sends one request and reads its answer; on any transport error the connection is
    /// closed (the next request opens a new one) and the error thrown.
    func request(_ method: String, _ path: String, body: String? = nil, token: String? = nil) throws -> Response {
        do {
            try sendOnly(method, path, body: body, token: token)
            let response = try readResponse()
            if response.closes { close() }
            return response
        } catch {
            close()
            throw error
        }
    }

    /// Opens the connection if need be and sends a request without reading its answer, for a
    /// caller that reads the ``socket`` itself (``MultiplexedLoad``). On an error the
    /// connection is closed and the error thrown.
    func sendOnly(_ method: String, _ path: String, body: String? = nil, token: String? = nil) throws {
        do {
            if socket < 0 { try open() }
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            if let token { head += "Authorization: Bearer \(token)\r\n" }
            if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
            try write(Array((head + "\r\n" + (body ?? "")).utf8))
        } catch {
            close()
            throw error
        }
    }

    private func open() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // A stuck answer fails the request after a minute instead of hanging the phase.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian  // 127.0.0.1
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchmarkError("connect: \(reason)")
        }
        socket = fd
    }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchmarkError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads more bytes into `pending`; throws on EOF, error or the receive timeout.
    private func fill() throws {
        let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { throw BenchmarkError(n == 0 ? "connection closed by the server" : "recv: \(String(cString: strerror(errno)))") }
        pending.append(contentsOf: buffer[0..<n])
    }

    private func readResponse() throws -> Response {
        var head = try Response.head(of: pending)
        while head == nil {
            try fill()
            head = try Response.head(of: pending)
        }
        let (response, headLength, bodyLength) = head!
        while pending.count < headLength + bodyLength { try fill() }
        let body = Array(pending[headLength..<(headLength + bodyLength)])
        pending.removeFirst(headLength + bodyLength)
        return Response(status: response.status, headers: response.headers, body: body)
    }
}

/// Runs `body(index)` on `count` OS threads of their own and returns their results once all
/// have finished: the load's connections block in `recv`, which must not happen on the Swift
/// concurrency pool.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) async -> [T] {
    guard count > 0 else { return [] }
    return await withCheckedContinuation { continuation in
        let results = ResultSlots<T>(count) { continuation.resume(returning: $0) }
        for index in 0..<count {
            let thread = Thread { results.set(index, body(index)) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

/// One slot per thread, written once each; the last write hands over them all.
final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private var slots: [T?]
    private var left: Int
    private let lock = NSLock()
    private let done: ([T]) -> Void

    init(_ count: Int, done: @escaping ([T]) -> Void) {
        slots = Array(repeating: nil, count: count)
        left = count
        self.done = done
    }

    func set(_ index: Int, _ value: T) {
        let all: [T]? = lock.withLock {
            slots[index] = value
            left -= 1
            return left == 0 ? slots.map { $0! } : nil
        }
        if let all { done(all) }
    }
}
