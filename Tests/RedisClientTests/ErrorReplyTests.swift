import RedisClient
import Testing

@Suite("Error replies", .timeLimit(.minutes(2)))
struct ErrorReplyTests {
    @Test("WRONGTYPE is thrown as .wrongType with the server's message")
    func wrongType() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):string"
            try await redis.set(key, "x")
            do {
                _ = try await redis.xlen(key)
                Issue.record("XLEN of a string succeeded")
            } catch let error as RedisError {
                #expect(error.code == .wrongType)
                #expect(error.message.hasPrefix("WRONGTYPE"))
            }
        }
    }

    @Test("an unknown command is .server, and the connection keeps working")
    func unknownCommand() async throws {
        try await withSharedClient(poolSize: 1) { redis, _ throws in
            let code = await redisErrorCode { try await redis.send("NOSUCHCOMMAND", "x") }
            #expect(code == .server)
            #expect(try await redis.ping() == "PONG")
        }
    }

    @Test(
        "the code comes from the reply's first word",
        arguments: [
            ("WRONGTYPE Operation against a key", RedisError.Code.wrongType),
            ("NOSCRIPT No matching script", .noScript),
            ("BUSYGROUP Consumer Group name already exists", .busyGroup),
            ("NOGROUP No such key", .noGroup),
            ("NOAUTH Authentication required.", .noAuth),
            ("WRONGPASS invalid username-password pair", .wrongPass),
            ("BUSY Redis is busy running a script", .busy),
            ("LOADING Redis is loading the dataset in memory", .loading),
            ("READONLY You can't write against a read only replica.", .readOnly),
            ("ERR unknown command", .server),
            ("BUSYNESS is not a code", .server),
        ]
    )
    func codeFromFirstWord(message: String, code: RedisError.Code) {
        let error = RedisError(serverReply: message)
        #expect(error.code == code)
        #expect(error.message == message)
    }

    @Test("a reply of the wrong shape is .unexpectedReply")
    func unexpectedReply() async throws {
        try await withSharedClient { redis, prefix in
            let key = "\(prefix):k"
            try await redis.set(key, "not a number")
            #expect(throws: RedisError.self) { try RedisReply.bulk(Array("x".utf8)).asInt() }
            let reply = try await redis.send("GET", key)
            do {
                _ = try reply.asArray()
                Issue.record("a bulk reply read as an array")
            } catch let error as RedisError {
                #expect(error.code == .unexpectedReply)
            }
        }
    }
}
