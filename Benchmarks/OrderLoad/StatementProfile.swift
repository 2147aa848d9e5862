import Foundation
import PostgresClient
import TestSupport

/// With `PG_STATEMENTS=1`, Postgres loads `pg_stat_statements` and the run ends with the fleet's
/// statements that cost Postgres the most time: where its share of an order goes.
enum StatementProfile {
    static var enabled: Bool { ProcessInfo.processInfo.environment["PG_STATEMENTS"] == "1" }

    static var settings: [String: String] {
        enabled ? ["shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all"] : [:]
    }

    static func reset(_ databaseURL: String) async throws {
        guard enabled else { return }
        let database = PostgresClient(configuration: try PostgresConfiguration(databaseURL, poolSize: 1))
        defer { Task { await database.close() } }
        try await database.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        try await database.query("SELECT pg_stat_statements_reset()")
    }

    static func report(_ databaseURL: String, orders: Int) async throws {
        guard enabled, orders > 0 else { return }
        let database = PostgresClient(configuration: try PostgresConfiguration(databaseURL, poolSize: 1))
        defer { Task { await database.close() } }
        let rows = try await database.query("""
            SELECT calls, total_exec_time, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110)
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 15
            """)
        say("Postgres statements by execution time, everything the fleet ran (ticket stocking included), per order of its \(orders): µs, calls, rows per call")
        for row in rows {
            let (calls, milliseconds, count, text) = try row.decode((Int64, Double, Int64, String).self)
            say(String(format: "%8.1f µs %6.2f calls %7.1f rows  ", milliseconds * 1000 / Double(orders), Double(calls) / Double(orders),
                       calls > 0 ? Double(count) / Double(calls) : 0) + text)
        }
    }
}
