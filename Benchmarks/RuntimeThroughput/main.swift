// Throughput and latency of the worker runtime on a durable Postgres (fsync and synchronous
// commit on), beside the straightforward one-message-per-transaction loop, in the same run.
//
//   runtime-bench run [--messages 50000] [--workers 1,2] [--baseline-messages 5000]
//                     [--rate 2000] [--paced-seconds 5] [--batch-size 100] [--warm-up 5000]
//   runtime-bench worker --redis-url … --database-url … --prefix … --consumer … [--batch-size n]
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
        throw UsageError("usage: runtime-bench run [--messages N] [--workers 1,2] | runtime-bench worker --redis-url … --database-url … --prefix … --consumer …")
    }
} catch {
    FileHandle.standardError.write(Data("runtime-bench: \(error)\n".utf8))
    exit(1)
}
