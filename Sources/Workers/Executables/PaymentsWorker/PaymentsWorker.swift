import ArgumentParser
import PaymentsService
import WorkerRuntime

@main
struct PaymentsWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments-worker",
        abstract: "Charges for orders (Stripe when STRIPE_KEY is set) and refunds orders cancelled after payment.")
    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await WorkerLauncher.run(options) { try PaymentsService.definition(configuration: $0) }
    }
}
