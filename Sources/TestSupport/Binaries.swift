import Foundation

/// Finds the server programs Debian's packages install, failing with the apt package to add.
enum Binaries {
    static func redisServer() throws -> String {
        try find("redis-server", in: ["/usr/bin", "/usr/local/bin"], package: "redis-server")
    }

    static func redisCLI() throws -> String {
        try find("redis-cli", in: ["/usr/bin", "/usr/local/bin"], package: "redis-tools")
    }

    /// A PostgreSQL server program (`initdb`, `postgres`, `pg_ctl`, `pgbench`, …) from the newest
    /// `/usr/lib/postgresql/<version>/bin`, or from `POSTGRES_BIN` when set.
    static func postgres(_ name: String) throws -> String {
        var directories: [String] = []
        if let override = ProcessInfo.processInfo.environment["POSTGRES_BIN"] { directories.append(override) }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            directories.append("\(root)/\(version)/bin")
        }
        return try find(name, in: directories, package: "postgresql")
    }

    private static func find(_ name: String, in directories: [String], package: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        for directory in directories + path {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSupportError("\(name) not found: install it with `apt-get install \(package)`")
    }
}
