import ArgumentParser
import TicketsService
import WorkerRuntime

@main
struct TicketsWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickets-worker",
        abstract: "Owns tickets: CreateTicket and UpdateTicket, and reserves or releases them as orders come and go.")

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await WorkerLauncher.run(options) { try TicketsService.definition(configuration: $0) }
    }
}
