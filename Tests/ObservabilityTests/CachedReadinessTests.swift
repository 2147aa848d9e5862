import Observability
import Synchronization
import Testing

@Suite("cached readiness")
struct CachedReadinessTests {
    /// Counts its checks; each takes a moment, as a real one does.
    final class CountingProbe: ReadinessProbe {
        let checks = Mutex(0)
        func isReady() async -> Bool {
            checks.withLock { $0 += 1 }
            try? await Task.sleep(for: .milliseconds(20))
            return true
        }
    }

    @Test("a flood of probes, at once or one after another, costs one check per lifetime")
    func oneCheckPerLifetime() async throws {
        let probe = CountingProbe()
        let cached = CachedReadiness(probe, lifetime: .seconds(1))
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { await cached.isReady() } }
            for await ready in group { #expect(ready) }
        }
        for _ in 0..<50 { #expect(await cached.isReady()) }
        #expect(probe.checks.withLock { $0 } == 1)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(await cached.isReady())
        #expect(probe.checks.withLock { $0 } == 2)
    }
}
