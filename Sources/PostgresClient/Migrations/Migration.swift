import Foundation

/// One numbered SQL file of a schema's migration set, e.g. `001_create_users.sql`.
///
/// The file runs with the simple protocol inside a transaction of its own, so it may hold
/// several statements, but no `BEGIN`/`COMMIT` of its own and nothing that refuses to run in a
/// transaction (`CREATE INDEX CONCURRENTLY`).
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Identifies the text, so an edit to an already applied migration is noticed. FNV-1a
    /// (64 bit) catches edits; it is not meant to resist someone forging a collision.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Loads every `NNN_name.sql` file in `directory` (other files are ignored), in version order.
    /// Throws `.invalidMigrations` for a `.sql` file without a leading number or for two files
    /// with the same number.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        var migrations: [Migration] = []
        for file in files where file.pathExtension == "sql" {
            let stem = file.deletingPathExtension().lastPathComponent
            let digits = stem.prefix { $0.isASCII && $0.isNumber }
            guard let version = Int(digits), stem.dropFirst(digits.count).first == "_" else {
                throw MigrationError(
                    code: .invalidMigrations,
                    message: "\(file.lastPathComponent): a migration file is named NNN_description.sql"
                )
            }
            let sql = try String(contentsOf: file, encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem.dropFirst(digits.count + 1)), sql: sql))
        }
        try validate(migrations)
        return migrations.sorted { $0.version < $1.version }
    }

    static func validate(_ migrations: [Migration]) throws {
        var seen: Set<Int> = []
        for migration in migrations {
            guard migration.version > 0 else {
                throw MigrationError(code: .invalidMigrations, message: "migration \(migration.name): versions start at 1")
            }
            guard seen.insert(migration.version).inserted else {
                throw MigrationError(code: .invalidMigrations, message: "two migrations have version \(migration.version)")
            }
        }
    }
}

/// Why migrating a schema stopped.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable { case invalidMigrations, checksumMismatch, migrationFailed }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Bad file names or duplicate versions; nothing was run.
        public static let invalidMigrations = Code(.invalidMigrations)
        /// An applied migration's text changed since it ran; nothing was run.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A migration failed; it was rolled back and not recorded (earlier ones stay applied).
        public static let migrationFailed = Code(.migrationFailed)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    /// The migration concerned, if one is.
    public var version: Int?
    /// The database error behind `.migrationFailed`.
    public var underlying: PostgresError?

    public init(code: Code, message: String, version: Int? = nil, underlying: PostgresError? = nil) {
        self.code = code
        self.message = message
        self.version = version
        self.underlying = underlying
    }

    public var description: String {
        var text = "MigrationError.\(code): \(message)"
        if let underlying { text += " — \(underlying)" }
        return text
    }
}
