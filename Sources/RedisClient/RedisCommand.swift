/// One Redis command: its name and arguments as byte arrays (the argv hiredis sends).
///
/// ```swift
/// let command = RedisCommand("SET", key, value, "PX", 500)
/// ```
public struct RedisCommand: Sendable, Hashable, CustomStringConvertible {
    /// Name first, then the arguments, each as raw bytes.
    public var arguments: [[UInt8]]

    /// How long the server may hold this command before it answers (the `BLOCK` of
    /// `XREADGROUP`, `XREAD`, …), added to the command timeout for its read. `.zero`
    /// means it may block forever, so the read has no timeout. Nil for ordinary commands.
    public var blockingTime: Duration?

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments: arguments)
    }

    public init(_ name: String, arguments: [any RedisArgument]) {
        self.arguments = [Array(name.utf8)] + arguments.map(\.redisBytes)
    }

    /// A command from raw argv, name first.
    public init(argv: [[UInt8]], blockingTime: Duration? = nil) {
        precondition(!argv.isEmpty, "a Redis command needs at least its name")
        self.arguments = argv
        self.blockingTime = blockingTime
    }

    /// Appends one argument.
    public mutating func append(_ argument: some RedisArgument) {
        arguments.append(argument.redisBytes)
    }

    /// Appends several arguments in order.
    public mutating func append(contentsOf newArguments: [any RedisArgument]) {
        arguments.append(contentsOf: newArguments.map(\.redisBytes))
    }

    /// The command name, upper-cased, for logs and errors.
    public var name: String { String(decoding: arguments[0], as: UTF8.self).uppercased() }

    /// Name and the first few arguments, clipped: safe to log (no 1 MB values).
    public var description: String {
        if name == "AUTH" { return "AUTH ***" }
        let shown = arguments.prefix(4).map { String(decoding: $0.prefix(40), as: UTF8.self) }
        return shown.joined(separator: " ") + (arguments.count > 4 ? " …" : "")
    }
}
