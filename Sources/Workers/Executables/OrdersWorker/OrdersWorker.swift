import ArgumentParser
import OrdersService
import WorkerRuntime

@main
struct OrdersWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders-worker",
        abstract: "Takes orders, keeps its copy of the tickets, and ends orders by expiry or payment.")
    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await WorkerLauncher.run(options) { try OrdersService.definition(configuration: $0) }
    }
}
