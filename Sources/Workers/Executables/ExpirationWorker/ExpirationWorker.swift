import ArgumentParser
import ExpirationService
import WorkerRuntime

@main
struct ExpirationWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expiration-worker",
        abstract: "Schedules each order's expiry in Redis and announces it when due.")
    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await WorkerLauncher.run(options) { try ExpirationService.definition(configuration: $0) }
    }
}
