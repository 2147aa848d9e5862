import Foundation

/// `--name value` pairs; the two modes take only a handful, so no parser library.
struct Flags {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard flag.hasPrefix("--"), let value = rest.popFirst() else {
                throw UsageError("expected `--name value`, got `\(flag)`")
            }
            values[String(flag.dropFirst(2))] = value
        }
    }

    /// The flag's value, else the environment variable's (when one is named).
    func string(_ name: String, environment variable: String? = nil) -> String? {
        if let value = values[name] { return value }
        guard let variable, let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }

    func required(_ name: String, environment variable: String? = nil) throws -> String {
        guard let value = string(name, environment: variable) else { throw UsageError("--\(name) is required") }
        return value
    }

    func integer(_ name: String, default fallback: Int, minimum: Int = 1) throws -> Int {
        guard let raw = values[name] else { return fallback }
        guard let value = Int(raw), value >= minimum else { throw UsageError("--\(name) must be a whole number ≥ \(minimum), not \(raw)") }
        return value
    }

    /// `1x1,1x2,2x1`: processes × consumer loops per process, one phase each.
    func phases(_ name: String, default fallback: [Phase]) throws -> [Phase] {
        guard let raw = values[name] else { return fallback }
        let list = raw.split(separator: ",").compactMap { item -> Phase? in
            let parts = item.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else { return nil }
            return Phase(processes: parts[0], loops: parts[1])
        }
        guard !list.isEmpty, list.count == raw.split(separator: ",").count else {
            throw UsageError("--\(name) must list processes×loops like 1x1,1x2,2x1, not \(raw)")
        }
        return list
    }
}

struct BenchWorkerOptions {
    var redisURL: String
    var databaseURL: String
    var prefix: String
    var consumer: String
    var batchSize: Int?
    /// Consumer loops in the process (the workers' `CONCURRENCY`).
    var concurrency: Int?
    /// The `run` process that spawned this worker: when it dies, the worker stops too.
    var parentPID: Int32?

    init(_ flags: Flags) throws {
        redisURL = try flags.required("redis-url", environment: "REDIS_URL")
        databaseURL = try flags.required("database-url", environment: "DATABASE_URL")
        prefix = try flags.required("prefix")
        consumer = try flags.required("consumer")
        batchSize = flags.string("batch-size").flatMap { Int($0) }
        concurrency = flags.string("concurrency").flatMap { Int($0) }
        parentPID = flags.string("parent-pid").flatMap { Int32($0) }
    }
}

struct RunOptions {
    var messages: Int
    var phases: [Phase]
    var baselineMessages: Int
    /// Messages handled and tables analyzed before measuring; 0 measures fresh tables.
    var warmUpMessages: Int
    /// The paced phase: messages per second, well below capacity, for this many seconds.
    var pacedRate: Int
    var pacedSeconds: Int
    var batchSize: Int?
    var redisURL: String?
    var databaseURL: String?

    init(_ flags: Flags) throws {
        messages = try flags.integer("messages", default: 50_000)
        phases = try flags.phases("phases", default: [Phase(processes: 1, loops: 1), Phase(processes: 1, loops: 2), Phase(processes: 2, loops: 1)])
        baselineMessages = try flags.integer("baseline-messages", default: 5_000)
        warmUpMessages = try flags.integer("warm-up", default: 5_000, minimum: 0)
        pacedRate = try flags.integer("rate", default: 2_000)
        pacedSeconds = try flags.integer("paced-seconds", default: 5)
        batchSize = flags.string("batch-size").flatMap { Int($0) }
        redisURL = flags.string("redis-url", environment: "REDIS_URL")
        databaseURL = flags.string("database-url", environment: "DATABASE_URL")
    }
}

/// One runtime phase: worker processes, and consumer loops in each.
struct Phase: CustomStringConvertible {
    let processes: Int
    let loops: Int

    var description: String {
        "\(processes) worker\(processes == 1 ? "" : "s")" + (loops == 1 ? "" : " × \(loops) loops")
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
