import ArgumentParser
import Testing
@testable import WorkerRuntime

@Suite("worker configuration")
struct ConfigurationTests {
    @Test("a service's defaults give way to the environment, and the environment to flags")
    func precedence() throws {
        let defaults = ["BATCH_SIZE": "10"]
        #expect(try WorkerOptions.parse([]).configuration(environment: [:], defaults: defaults).batchSize == 10)
        #expect(try WorkerOptions.parse([]).configuration(environment: ["BATCH_SIZE": "50"], defaults: defaults).batchSize == 50)
        #expect(try WorkerOptions.parse(["--batch-size", "7"]).configuration(environment: ["BATCH_SIZE": "50"], defaults: defaults).batchSize == 7)
        #expect(try WorkerOptions.parse([]).configuration(environment: [:]).batchSize == 100)
    }

    @Test("METRICS_PORT and METRICS_HOST are read, and a port out of range is refused with its name")
    func metricsEndpoint() throws {
        let unset = try WorkerConfiguration.fromEnvironment([:])
        #expect(unset.metricsPort == nil)
        #expect(unset.metricsHost == "127.0.0.1")
        let set = try WorkerConfiguration.fromEnvironment(["METRICS_PORT": "9102", "METRICS_HOST": "0.0.0.0"])
        #expect(set.metricsPort == 9102)
        #expect(set.metricsHost == "0.0.0.0")
        #expect { try WorkerConfiguration.fromEnvironment(["METRICS_PORT": "70000"]) } throws: { "\($0)".contains("METRICS_PORT") }
    }

    @Test("CONCURRENCY sets the consumer loops, the pool grows to hold them, and 0 is refused with its name")
    func concurrency() throws {
        #expect(try WorkerOptions.parse([]).configuration(environment: [:]).concurrency == 1)
        let flagged = try WorkerOptions.parse(["--concurrency", "3"]).configuration(environment: ["CONCURRENCY": "2"])
        #expect(flagged.concurrency == 3)
        #expect(flagged.effectiveDatabasePoolSize == 8)
        #expect(try WorkerConfiguration.fromEnvironment(["CONCURRENCY": "2", "DATABASE_POOL_SIZE": "8"]).effectiveDatabasePoolSize == 8)
        #expect { try WorkerConfiguration.fromEnvironment(["CONCURRENCY": "0"]) } throws: { "\($0)".contains("CONCURRENCY") }
    }
}
