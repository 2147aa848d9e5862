/// Brings one schema up to date, safely when many processes start at once.
///
/// On one connection: takes a session advisory lock keyed by the schema name (so concurrent
/// migrators of the same schema queue up), creates `public.schema_migrations` if missing,
/// refuses if an applied migration's text changed, then applies each missing migration in its
/// own transaction and records it there, and unlocks.
struct Migrator {
    let schema: String
    let migrations: [Migration]

    /// Guards creating `public.schema_migrations`, which every schema's migrator shares.
    static let tableLockKey = lockKey("schema_migrations")

    /// A stable 64-bit key for `pg_advisory_lock` (FNV-1a of the name; Swift's `hashValue` is
    /// seeded per process and would differ between workers).
    static func lockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "ticketing.migrations.\(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    func run(on connection: PostgresConnection) async throws -> [Migration] {
        try Migration.validate(migrations)
        let key = Self.lockKey(schema)
        try await connection.query("SELECT pg_advisory_lock(\(key))")
        do {
            let applied = try await migrate(on: connection)
            try await connection.query("SELECT pg_advisory_unlock(\(key))")
            return applied
        } catch {
            // The lock is per session; if the session is gone, so is the lock.
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))")
            throw error
        }
    }

    private func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.withTransaction { tx in
            try await tx.query("SELECT pg_advisory_xact_lock(\(Self.tableLockKey))")
            try await tx.query("""
                CREATE TABLE IF NOT EXISTS public.schema_migrations (
                    schema text NOT NULL,
                    version int NOT NULL,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (schema, version)
                )
                """)
        }
        let rows = try await connection.query(
            "SELECT version, checksum FROM public.schema_migrations WHERE schema = \(schema)"
        )
        var appliedChecksums: [Int: String] = [:]
        for row in rows {
            let (version, checksum) = try row.decode((Int32, String).self)
            appliedChecksums[Int(version)] = checksum
        }
        for migration in migrations {
            if let checksum = appliedChecksums[migration.version], checksum != migration.checksum {
                throw MigrationError(
                    code: .checksumMismatch,
                    message: "migration \(migration.version)_\(migration.name) of schema \(schema) was changed after it was applied",
                    version: migration.version
                )
            }
        }
        let pending = migrations.filter { appliedChecksums[$0.version] == nil }.sorted { $0.version < $1.version }
        guard !pending.isEmpty else { return [] }

        let quotedSchema = try await connection.underlying.run { [schema] in try $0.escapeIdentifierOnThread(schema) }
        try await connection.underlying.run { try $0.executeSimpleOnThread("CREATE SCHEMA IF NOT EXISTS \(quotedSchema)") }
        for migration in pending {
            do {
                try await connection.withTransaction { tx in
                    // Unqualified names in the file land in the schema being migrated.
                    try await tx.connection.underlying.run { connection in
                        try connection.executeSimpleOnThread("SET LOCAL search_path TO \(quotedSchema), public")
                        try connection.executeSimpleOnThread(migration.sql)
                    }
                    try await tx.query("""
                        INSERT INTO public.schema_migrations (schema, version, name, checksum)
                        VALUES (\(schema), \(Int32(clamping: migration.version)), \(migration.name), \(migration.checksum))
                        """)
                }
            } catch let error as PostgresError {
                throw MigrationError(
                    code: .migrationFailed,
                    message: "migration \(migration.version)_\(migration.name) of schema \(schema) failed and was rolled back",
                    version: migration.version,
                    underlying: error
                )
            }
        }
        return pending
    }
}

extension PostgresClient {
    /// Applies the migrations of `schema` that have not been applied yet, each exactly once
    /// however many processes call this at the same time. Returns the ones applied by this call.
    ///
    /// Creates the schema if missing; inside each migration unqualified names resolve to it.
    /// Throws ``MigrationError`` (`.checksumMismatch` when an applied file was edited,
    /// `.migrationFailed` when one fails: it is rolled back and not recorded).
    @discardableResult
    public func migrate(schema: String, migrations: [Migration]) async throws -> [Migration] {
        try await withConnection { connection in
            try await Migrator(schema: schema, migrations: migrations).run(on: connection)
        }
    }
}
