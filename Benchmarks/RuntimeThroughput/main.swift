// Throughput and latency of the worker runtime on a durable Postgres (fsync and synchronous
// commit on), beside the straightforward one-message-per-transaction loop, in the same run.
//
//   runtime-bench run [--messages 50000] [--phases 1x1,1x2,2x1] [--baseline-messages 5000]
//                     [--rate 2000] [--paced-seconds 5] [--batch-size 100] [--warm-up 5000]
//   runtime-bench worker --redis-url … --database-url … --prefix … --consumer … [--batch-size n] [--concurrency n]
//
// A phase `PxL` runs P worker processes with L consumer loops each (the workers' CONCURRENCY).
//
// `run` starts its own Postgres and Redis unless DATABASE_URL / REDIS_URL (or the flags) are set,
// and spawns this same executable in `worker` mode for the runtime phases.
// Build in release: swift build -c release --scratch-path .build-bench --product runtime-bench

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "worker":
        try await runWorker(try BenchWorkerOptions(try Flags(arguments.dropFirst())))
    case "run":
        try await runBenchmark(try RunOptions(try Flags(arguments.dropFirst())))
    default:
        throw UsageError("usage: runtime-bench run [--messages N] [--phases 1x1,1x2,2x1] | runtime-bench worker --redis-url … --database-url … --prefix … --consumer …")
    }
} catch {
    FileHandle.standardError.write(Data("runtime-bench: \(error)\n".utf8))
    exit(1)
}
