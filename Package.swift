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
        .library(name: "WorkerRuntime", targets: ["WorkerRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
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
        // Seals passwords from the API to the auth service (AEAD, keys only those two hold).
        .target(
            name: "PasswordSeal",
            dependencies: ["Contracts", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Logs (text or JSON), Prometheus metrics and the health endpoints every executable serves.
        .target(
            name: "Observability",
            dependencies: [
                "Contracts", "RedisClient", "PostgresClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The delivery runtime every service's worker is built on.
        .target(
            name: "WorkerRuntime",
            dependencies: [
                "Contracts", "ClientSupport", "RedisClient", "PostgresClient", "Observability",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Workers/Runtime",
            resources: [.copy("Migrations")]
        ),
        // One library per service (its handlers and schema), and one thin executable each.
        .target(
            name: "AuthService",
            dependencies: [
                "WorkerRuntime", "Contracts", "ClientSupport", "PasswordSeal",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Workers/Auth",
            resources: [.copy("Migrations")]
        ),
        .executableTarget(
            name: "auth-worker",
            dependencies: ["AuthService", "WorkerRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Workers/Executables/AuthWorker"
        ),
        .target(
            name: "TicketsService",
            dependencies: ["WorkerRuntime", "Contracts"],
            path: "Sources/Workers/Tickets",
            resources: [.copy("Migrations")]
        ),
        .executableTarget(
            name: "tickets-worker",
            dependencies: ["TicketsService", "WorkerRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Workers/Executables/TicketsWorker"
        ),
        .target(
            name: "OrdersService",
            dependencies: ["WorkerRuntime", "Contracts", "ExpirationService"],
            path: "Sources/Workers/Orders",
            resources: [.copy("Migrations")]
        ),
        .executableTarget(
            name: "orders-worker",
            dependencies: ["OrdersService", "WorkerRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Workers/Executables/OrdersWorker"
        ),
        .target(
            name: "ExpirationService",
            dependencies: ["WorkerRuntime", "Contracts", "ClientSupport"],
            path: "Sources/Workers/Expiration"
        ),
        .executableTarget(
            name: "expiration-worker",
            dependencies: ["ExpirationService", "WorkerRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Workers/Executables/ExpirationWorker"
        ),
        .target(
            name: "PaymentsService",
            dependencies: ["WorkerRuntime", "Contracts"],
            path: "Sources/Workers/Payments",
            resources: [.copy("Migrations")]
        ),
        .executableTarget(
            name: "payments-worker",
            dependencies: ["PaymentsService", "WorkerRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Workers/Executables/PaymentsWorker"
        ),
        // The HTTP API: a library that tests build in-process, and the executable.
        .target(
            name: "API",
            dependencies: [
                "Contracts", "ClientSupport", "RedisClient", "PostgresClient", "Observability", "PasswordSeal",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                // SHA-256 to turn an Idempotency-Key into a stable command id.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/API/App",
            // The OpenAPI document served at /api/openapi.json.
            resources: [.copy("OpenAPI/openapi.json")]
        ),
        // The web pages, served by the API process at `/`: templates, stylesheet and script
        // ship as resources beside the code.
        .target(
            name: "Web",
            dependencies: [
                "API", "Contracts", "RedisClient", "PostgresClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Assets")]
        ),
        .executableTarget(
            name: "api",
            dependencies: [
                "API", "Web", "Observability",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/API/Main"
        ),
        // The admin tool: reports on streams, dead letters, trimming and the expiration
        // schedule, as a library the tests call and a thin executable.
        .target(
            name: "Admin",
            dependencies: ["Contracts", "RedisClient", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Admin/App"
        ),
        .executableTarget(
            name: "ticketing-admin",
            dependencies: ["Admin", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Admin/Main"
        ),
        // Runs a service in-process for its tests, with a database and key prefix of its own.
        .target(
            name: "FleetTestSupport",
            dependencies: ["WorkerRuntime", "TestSupport", "Contracts", "RedisClient", "PostgresClient", "PasswordSeal"]
        ),
        // Throwaway redis-server and postgres processes for tests and benchmarks.
        .target(name: "TestSupport"),
        // Benchmarks print figures beside a baseline measured in the same run; they are not tests.
        .target(name: "BenchmarkSupport", path: "Benchmarks/Support"),
        .executableTarget(
            name: "redis-latency-bench",
            dependencies: ["RedisClient", "TestSupport", "BenchmarkSupport"],
            path: "Benchmarks/RedisLatency"
        ),
        .executableTarget(
            name: "postgres-latency-bench",
            dependencies: ["PostgresClient", "TestSupport", "BenchmarkSupport"],
            path: "Benchmarks/PostgresLatency"
        ),
        // Worker runtime throughput and latency on a durable Postgres, beside a one-message-per-transaction loop.
        .executableTarget(
            name: "runtime-bench",
            dependencies: [
                "WorkerRuntime", "TestSupport", "RedisClient", "PostgresClient", "Contracts", "BenchmarkSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/RuntimeThroughput"
        ),
        // Expiry lag from due time to expiration:complete, two real expiration workers, five runs.
        .executableTarget(
            name: "expiry-bench",
            dependencies: ["ExpirationService", "Contracts", "RedisClient", "TestSupport", "BenchmarkSupport"],
            path: "Benchmarks/ExpiryLag"
        ),
        // POST /api/orders through the whole fleet (closed and paced phases), beside a one-transaction-per-order monolith.
        .executableTarget(
            name: "order-load-bench",
            dependencies: ["TestSupport", "BenchmarkSupport", "RedisClient", "PostgresClient", "Contracts"],
            path: "Benchmarks/OrderLoad"
        ),
        // Every page's render time (p50, p99 over 1,000 requests), reads answered from memory.
        .executableTarget(
            name: "page-render-bench",
            dependencies: [
                "Web", "API", "Contracts", "BenchmarkSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/PageRender"
        ),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts"]),
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                "Observability", "TestSupport", "RedisClient", "PostgresClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "ClientSupportTests", dependencies: ["ClientSupport"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "AuthServiceTests", dependencies: ["AuthService", "FleetTestSupport", "PasswordSeal"]),
        .testTarget(name: "TicketsServiceTests", dependencies: ["TicketsService", "FleetTestSupport"]),
        .testTarget(name: "OrdersServiceTests", dependencies: ["OrdersService", "FleetTestSupport"]),
        .testTarget(name: "ExpirationServiceTests", dependencies: ["ExpirationService", "FleetTestSupport"]),
        .testTarget(name: "PaymentsServiceTests", dependencies: ["PaymentsService", "FleetTestSupport"]),
        // The whole fleet as real processes; needs the executables built (`make test` does).
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "PostgresClient", "RedisClient", "Contracts", "PasswordSeal"]),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Admin", "FleetTestSupport", "TicketsService", "OrdersService", "AuthService", "PasswordSeal",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "API", "Contracts", "FleetTestSupport", "WorkerRuntime", "PostgresClient", "PasswordSeal",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "WorkerRuntimeTests",
            dependencies: [
                "WorkerRuntime", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AdminTests",
            dependencies: ["Admin", "FleetTestSupport", "WorkerRuntime", "ExpirationService", "TestSupport", "Contracts", "RedisClient", "PostgresClient"]
        ),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient", "ClientSupport", "TestSupport"]),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "ClientSupport", "TestSupport"]),
    ]
)
