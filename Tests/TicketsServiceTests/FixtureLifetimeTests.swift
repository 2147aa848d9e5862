import FleetTestSupport
import Testing
import TicketsService
import WorkerRuntime

@Suite("test fixtures", .timeLimit(.minutes(2)))
struct FixtureLifetimeTests {
    @Test("a worker its test dropped without stopping (the test threw) is stopped, not left consuming")
    func droppedWorkerStops() async throws {
        let harness = try await ServiceHarness.make()
        weak var worker: Worker?
        do {
            let running = try await harness.start(try TicketsService.definition(configuration: harness.configuration()))
            worker = running.worker
        }
        // The run task holds the worker until its run returns: then nothing does.
        #expect(try await harness.eventually(timeout: .seconds(20)) { worker == nil })
        await harness.close()
    }
}
