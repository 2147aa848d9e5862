import Contracts
import Foundation
import RedisClient
import TestSupport
import Testing

/// `ticketing-admin` as an operator or a script runs it: the built executable, its exit status
/// and what it prints where. 0 for success, 64 for a wrong option or argument, 1 for a failure,
/// with one line on stderr saying why.
@Suite("the ticketing-admin executable", .timeLimit(.minutes(3)))
struct ExecutableTests {
    @Test("a report exits 0 and prints to stdout only, as text or as JSON")
    func success() async throws {
        let fixture = try await AdminFixture.make()
        let stream = fixture.keys.events(.orderCreated)
        try await fixture.publish(2, to: stream)
        let options = ["--redis-url", try await TestServers.redis().url, "--prefix", fixture.keys.prefix]

        let text = try await AdminRun.run(["streams"] + options)
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains(stream) && text.stderr.isEmpty, "\(text)")
        let json = try await AdminRun.run(["dead", "list", "--json"] + options)
        #expect(json.status == 0, "\(json)")
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(list?["total"] as? Int == 0, "\(json)")
        #expect(try await AdminRun.run(["--help"]).status == 0)
        await fixture.close()
    }

    @Test("a wrong subcommand, option or argument exits 64 before touching Redis")
    func usageErrors() async throws {
        // An address nothing listens on: a usage error must be found before any connection.
        let nowhere = ["--redis-url", "redis://127.0.0.1:\(try BuiltProducts.freePort())/0"]
        for arguments in [
            ["bogus"], ["streams", "--bogus"], ["dead", "replay"] + nowhere, ["dead", "replay", "1-1", "--all"] + nowhere,
            ["dead", "list", "--limit", "0"] + nowhere, ["consumers", "prune"] + nowhere, ["expirations", "--limit", "x"] + nowhere,
        ] {
            let run = try await AdminRun.run(arguments)
            #expect(run.status == 64, "\(arguments): \(run)")
            #expect(!run.stderr.isEmpty && run.stdout.isEmpty, "\(arguments): \(run)")
        }
    }

    @Test("a failure exits 1 with one line on stderr: Redis unreachable, an unusable URL (its password not repeated), no such dead letter, one that cannot be replayed, a stream never trimmed")
    func failures() async throws {
        let fixture = try await AdminFixture.make()
        let source = fixture.keys.events(.orderCreated)
        let unreadable = try await fixture.deadLetter([("hello", "world")], stream: source)
        let options = ["--redis-url", try await TestServers.redis().url, "--prefix", fixture.keys.prefix]
        let port = try BuiltProducts.freePort()
        let cases: [([String], String)] = [
            (["streams", "--redis-url", "redis://127.0.0.1:\(port)/0"], "cannot reach Redis at 127.0.0.1:\(port)"),
            (["streams", "--redis-url", "http://admin:secret@127.0.0.1/0"], "the Redis URL is not usable"),
            (["dead", "show", "1-1"] + options, "there is no dead letter 1-1"),
            (["dead", "replay", unreadable] + options, "is not a message the workers can read"),
            (["trim", "--stream", fixture.keys.dead(source)] + options, "dead-letter streams are never trimmed"),
        ]
        for (arguments, reason) in cases {
            let run = try await AdminRun.run(arguments)
            #expect(run.status == 1, "\(arguments): \(run)")
            #expect(run.stdout.isEmpty, "\(arguments): \(run)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(reason), "\(arguments): \(run)")
            #expect(!run.stderr.contains("secret"))
        }
        // A failure changed nothing: the letter is still there.
        #expect(try await fixture.redis.xlen(fixture.keys.dead(source)) == 1)
        // The environment is read when no flag is given.
        let fromEnvironment = try await AdminRun.run(["dead", "list"], environment: [
            "REDIS_URL": try await TestServers.redis().url, "KEY_PREFIX": fixture.keys.prefix])
        #expect(fromEnvironment.status == 0 && fromEnvironment.stdout.contains(unreadable), "\(fromEnvironment)")
        await fixture.close()
    }
}

/// Runs the built `ticketing-admin` to its exit.
enum AdminRun {
    /// With exactly `environment` (plus PATH and HOME): no REDIS_URL of the test process leaks in.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProgramRun {
        let executable = BuiltProducts.path("ticketing-admin")
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("\(executable) is not built: run `swift build --build-tests` first")
        }
        var given = environment
        for name in ["PATH", "HOME"] { given[name] = ProcessInfo.processInfo.environment[name] }
        return try await ProgramRun.run(executable, arguments, environment: given)
    }
}
