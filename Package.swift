// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ticketing-fleet",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "TestSupport", targets: ["TestSupport"]),
        .library(name: "Contracts", targets: ["Contracts"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        // The two C libraries, found through pkg-config; the apt names tell a fresh machine what to install.
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CLibpq",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Names, keys and message shapes every process agrees on.
        .target(name: "Contracts"),
        // Threads of our own for blocking C calls, and the retry backoff both clients share.
        .target(name: "ClientSupport"),
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis",
                "ClientSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PostgresClient",
            dependencies: [
                "CLibpq",
                "ClientSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Throwaway redis-server and postgres processes for tests and benchmarks.
        .target(name: "TestSupport"),
        // Benchmarks print figures beside a baseline measured in the same run; they are not tests.
        .executableTarget(
            name: "redis-latency-bench",
            dependencies: ["RedisClient", "TestSupport"],
            path: "Benchmarks/RedisLatency"
        ),
        .executableTarget(
            name: "postgres-latency-bench",
            dependencies: ["PostgresClient", "TestSupport"],
            path: "Benchmarks/PostgresLatency"
        ),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts"]),
        .testTarget(name: "ClientSupportTests", dependencies: ["ClientSupport"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient", "TestSupport"]),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"]),
    ]
)
