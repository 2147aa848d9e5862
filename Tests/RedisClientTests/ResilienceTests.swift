import Glibc
import Foundation
import Synchronization
import RedisClient
import TestSupport
import Testing

/// Servers that die, restart or stall. Each test has its own server.
@Suite("Dropped connections, restarts and time-outs", .timeLimit(.minutes(3)))
struct ResilienceTests {
    @Test("a server killed during a blocking XREADGROUP fails it with connectionLost; after a restart the same objects work")
    func killedDuringBlockingRead() async throws {
        try await withPrivateServer { server in
            let configuration = try RedisConfiguration(url: server.url)
            let pool = try await RedisClient.connect(configuration: configuration)
            let worker = try await pool.dedicatedConnection()
            let stream = "orders"
            try await pool.xgroupCreate(stream, group: "g")
            let clientID = try await worker.send("CLIENT", "ID").asInt()

            async let blocked = redisErrorCode {
                try await worker.xreadgroup(group: "g", consumer: "c", stream: stream, block: .seconds(60))
            }
            try await awaitBlocked(pool, clientID: clientID)
            await server.kill()
            let started = ContinuousClock.now
            #expect(await blocked == .connectionLost)
            // The kill, not the 60 s block, ended it (room for a loaded machine).
            #expect(ContinuousClock.now - started < .seconds(10))

            try await server.start()
            // A fresh server has no data: the worker makes its group again, as a worker does at start-up.
            #expect(try await worker.xgroupCreate(stream, group: "g"))
            let id = try await pool.xadd(stream, fields: [("after", "restart")])
            let read = try await worker.xreadgroup(group: "g", consumer: "c", stream: stream, block: .seconds(2))
            #expect(read.map(\.id) == [id])
            #expect(try await pool.ping() == "PONG")
            await worker.close()
            await pool.shutdown()
        }
    }

    @Test("the pool survives a server restart: the next commands reconnect without an error")
    func poolSurvivesRestart() async throws {
        try await withPrivateServer { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.poolSize = 3
            let pool = try await RedisClient.connect(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<30 { group.addTask { try await pool.set("k\(n)", n) } }
                try await group.waitForAll()
            }
            try await server.restart()
            // Every pooled connection is now dead; none of these may fail.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<30 { group.addTask {
                    let value = try await pool.incr("after\(n)")
                    #expect(value == 1)
                } }
                try await group.waitForAll()
            }
            await pool.shutdown()
        }
    }

    @Test("a connection the server closed while idle (CLIENT KILL) is replaced before the next command")
    func idleConnectionKilled() async throws {
        try await withSharedClient { redis, _ in
            let connection = try await redis.dedicatedConnection()
            let id = try await connection.send("CLIENT", "ID").asInt()
            #expect(try await redis.send("CLIENT", "KILL", "ID", id) == .integer(1))
            try await awaitGone(redis, clientID: id)
            #expect(try await connection.ping() == "PONG")
            #expect(try await connection.send("CLIENT", "ID").asInt() != id)
            await connection.close()
        }
    }

    @Test("a command sent while the server is down succeeds once it is back within the reconnect budget")
    func waitsForServerWithinBudget() async throws {
        try await withPrivateServer { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.reconnectBudget = .seconds(30)
            let connection = try await RedisConnection.connect(configuration: configuration)
            await server.kill()
            let answered = Mutex(false)
            let pong = Task {
                defer { answered.withLock { $0 = true } }
                return try await connection.ping()
            }
            // The server stays down a while (the downtime under test); the ping must still be waiting.
            try await Task.sleep(for: .milliseconds(300))
            #expect(!answered.withLock { $0 }, "the ping ended while the server was down")
            try await server.start()
            #expect(try await pong.value == "PONG")
            await connection.close()
        }
    }

    @Test("a server that stays down fails commands with connectionFailed once the budget is spent")
    func budgetRunsOut() async throws {
        try await withPrivateServer { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.reconnectBudget = .seconds(1)
            let pool = try await RedisClient.connect(configuration: configuration)
            await server.kill()
            let started = ContinuousClock.now
            #expect(await redisErrorCode { try await pool.ping() } == .connectionFailed)
            let elapsed = ContinuousClock.now - started
            // Given up after the budget, not kept waiting (room for a loaded machine).
            #expect(elapsed < .seconds(10))
            try await server.start()
            #expect(try await pool.ping() == "PONG")
            await pool.shutdown()
        }
    }

    @Test("a command slower than the command timeout fails with .timeout; the connection works afterwards")
    func commandTimeout() async throws {
        try await withPrivateServer { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.commandTimeout = .milliseconds(200)
            let connection = try await RedisConnection.connect(configuration: configuration)
            let started = ContinuousClock.now
            #expect(await redisErrorCode { try await connection.send("DEBUG", "SLEEP", 5) } == .timeout)
            let elapsed = ContinuousClock.now - started
            // The time-out, not the server's answer after 5 s, ended it (room for a loaded machine).
            #expect(elapsed >= .milliseconds(150) && elapsed < .seconds(4))
            // Once the server wakes, the same connection reconnects and answers.
            var answer: String?
            let deadline = ContinuousClock.now + .seconds(20)
            while answer == nil, ContinuousClock.now < deadline {
                answer = try? await connection.ping()
                if answer == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(answer == "PONG")
            await connection.close()
        }
    }

    @Test("a blocking read gets its BLOCK time on top of the command timeout")
    func blockTimeAddsToTimeout() async throws {
        try await withSharedClient { redis, prefix in
            var configuration = redis.configuration
            configuration.commandTimeout = .milliseconds(100)
            let connection = try await RedisConnection.connect(configuration: configuration)
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            let read = try await connection.xreadgroup(group: "g", consumer: "c", stream: key, block: .milliseconds(400))
            #expect(read.isEmpty)
            await connection.close()
        }
    }

    @Test("cancelling the task of a blocking read on a dedicated connection ends it at once; the connection works after")
    func cancelBlockingRead() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            let worker = try await redis.dedicatedConnection()
            let id = try await worker.send("CLIENT", "ID").asInt()
            let task = Task {
                try await worker.xreadgroup(group: "g", consumer: "c", stream: key, block: .zero)
            }
            try await awaitBlocked(redis, clientID: id)
            let started = ContinuousClock.now
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            // At once, not never (the block has no end): room for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(try await worker.ping() == "PONG")
            await worker.close()
        }
    }

    @Test("closing a connection wakes its blocking read with clientClosed")
    func closeWakesBlockingRead() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):s"
            try await redis.xgroupCreate(key, group: "g")
            let worker = try await redis.dedicatedConnection()
            let id = try await worker.send("CLIENT", "ID").asInt()
            async let blocked = redisErrorCode {
                try await worker.xreadgroup(group: "g", consumer: "c", stream: key, block: .seconds(60))
            }
            try await awaitBlocked(redis, clientID: id)
            let started = ContinuousClock.now
            await worker.close()
            #expect(await blocked == .clientClosed)
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }
}

/// Writing to a connection whose peer has gone raises SIGPIPE, which by default ends the process.
@Suite("A peer that closes while a command is written", .timeLimit(.minutes(1)))
struct ClosedPeerTests {
    @Test("a large command written to a peer that closed fails as connectionLost; SIGPIPE does not end the process")
    func writeToClosedPeer() async throws {
        let server = try ClosingServer()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)")
        configuration.reconnectBudget = .zero
        let connection = try await RedisConnection.connect(configuration: configuration)
        // Larger than the socket buffers: after the peer's reset, hiredis writes on and meets EPIPE.
        let value = String(repeating: "x", count: 16 << 20)
        let code = await redisErrorCode { try await connection.send("SET", "k", value) }
        #expect(code == .connectionLost || code == .connectionFailed)
        await connection.close()
    }
}

/// A TCP server on a free loopback port that accepts each connection and closes it at once.
private final class ClosingServer: @unchecked Sendable {
    let port: Int
    private let socket: Int32
    private let thread: Thread

    init() throws {
        let listening = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listening, pointer, length) == 0 && listen(listening, 16) == 0 && getsockname(listening, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        socket = listening
        port = Int(UInt16(bigEndian: address.sin_port))
        thread = Thread {
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                close(client)
            }
        }
        thread.start()
    }

    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
