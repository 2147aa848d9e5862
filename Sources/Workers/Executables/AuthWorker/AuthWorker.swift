import ArgumentParser
import AuthService
import WorkerRuntime

@main
struct AuthWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth-worker",
        abstract: "Signs people up and in: handles SignUp and SignIn (bcrypt cost from BCRYPT_COST, default 10; passwords arrive sealed, opened with PASSWORD_SEAL_KEYS).")

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await WorkerLauncher.run(options) { try AuthService.definition(configuration: $0) }
    }
}
