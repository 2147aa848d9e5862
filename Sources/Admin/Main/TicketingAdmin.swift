import Admin
import ArgumentParser

/// The admin tool. Each subcommand parses its options and calls one method of ``Admin``; the
/// tests call the same methods.
@main
struct TicketingAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticketing-admin",
        abstract: "Inspect and repair the ticketing fleet's Redis streams.",
        discussion: "Every subcommand takes, after its name, --redis-url (REDIS_URL), --key-prefix or --prefix (KEY_PREFIX) and --json.",
        subcommands: [Streams.self, DeadLetters.self, Trim.self, Consumers.self, Expirations.self])
}

struct Streams: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List streams with their length, groups with lag and pending counts, consumers with idle time, and dead letters per stream.")

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await options.run { try await $0.streamsReport() }
    }
}

struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List, show and replay dead letters.",
        subcommands: [List.self, Show.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, oldest first within each stream.")

        @OptionGroup var options: AdminOptions
        @Option(help: "Only the dead letters of this stream (e.g. events:order:created).")
        var stream: String?
        @Option(help: "List at most this many.")
        var limit = 50

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            try await options.run { try await $0.deadLetters(stream: stream, limit: limit) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter: its fields, stream, group, deliveries and last error.")

        @OptionGroup var options: AdminOptions
        @Argument(help: "The dead letter's id, as `dead list` shows it.")
        var id: String
        @Option(help: "The stream it came from, when several have a dead letter with this id.")
        var stream: String?

        func run() async throws {
            try await options.run { try await $0.deadLetter(id, stream: stream) }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add dead letters back to their stream and delete them.",
            discussion: """
                Each letter's own fields are added to the stream it came from and the letter is deleted, \
                in one Lua script: a letter is never lost and never replayed twice.

                A replayed message goes to every consumer group reading that stream, not only to the \
                one that gave up on it. Groups that handled it before drop the copy: each keeps an \
                inbox row per message id, for OUTBOX_RETENTION_S (7 days by default). In a group \
                that handled it longer ago than that, it takes effect again.

                Letters that are not messages the workers can read are left where they are.
                """)

        @OptionGroup var options: AdminOptions
        @Argument(help: "The dead letter to replay.")
        var id: String?
        @Flag(help: "Replay every dead letter (of --stream, if given) there is when the replay starts.")
        var all = false
        @Option(help: "The stream the letters came from.")
        var stream: String?

        func validate() throws {
            guard (id == nil) == all else { throw ValidationError("give either a dead letter's id or --all") }
        }

        func run() async throws {
            try await options.run { admin in
                if let id { try await admin.replay(id, stream: stream) } else { try await admin.replayAll(stream: stream) }
            }
        }
    }
}

struct Trim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trim streams below what every consumer group has acknowledged.",
        discussion: """
            A stream keeps every entry from the oldest one some group still needs: for each group, \
            its oldest pending entry, or with none pending the entry after the last one delivered \
            to it. Pending entries and entries not yet delivered to every group are never removed. \
            Streams with no groups, dead-letter streams and reply streams are left alone.
            """)

    @OptionGroup var options: AdminOptions
    @Flag(help: "Say what would be removed, and remove nothing.")
    var dryRun = false
    @Option(help: "Trim only this stream.")
    var stream: String?

    func run() async throws {
        try await options.run { try await $0.trim(stream: stream, dryRun: dryRun) }
    }
}

struct Consumers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look after consumers in the consumer groups.",
        subcommands: [Prune.self])

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete consumers with no pending entries that have been idle longer than a threshold.",
            discussion: """
                Workers name their consumers host-pid-random, so every process that ever ran leaves \
                one behind. A consumer with pending entries is never deleted, since that would drop \
                its entries from the group: once a live worker has taken them over (after \
                ACK_WAIT_MS), a later prune deletes it. The check and the delete are one Lua script.
                """)

        @OptionGroup var options: AdminOptions
        @Option(help: "Delete consumers idle for longer than this many minutes.")
        var idleMinutes: Int
        @Flag(help: "Say what would be deleted, and delete nothing.")
        var dryRun = false
        @Option(help: "Only the groups of this stream.")
        var stream: String?

        func validate() throws {
            guard idleMinutes > 0 else { throw ValidationError("--idle-minutes must be at least 1") }
        }

        func run() async throws {
            try await options.run { try await $0.pruneConsumers(idleLongerThan: .seconds(idleMinutes * 60), stream: stream, dryRun: dryRun) }
        }
    }
}

struct Expirations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the expiration schedule: how many orders wait to expire, what is overdue, what is due next.")

    @OptionGroup var options: AdminOptions
    @Option(help: "Show this many of the soonest entries.")
    var limit = 10

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await options.run { try await $0.expirations(limit: limit) }
    }
}
