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
        // Charges are made inside the batch's transaction: small batches keep one slow gateway
        // answer from holding many payments (and their order rows) for long.
        try await WorkerLauncher.run(options, defaults: ["BATCH_SIZE": "10"]) { try PaymentsService.definition(configuration: $0) }
    }
}
