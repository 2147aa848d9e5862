import BenchmarkSupport
import Foundation
import Synchronization

/// Watches the kernel's dirty page cache every 100 ms while a phase runs. When it falls by
/// ``burstMegabytes`` or more in one look, the kernel wrote that much back at once, and every
/// fsync (each commit's, each Redis write's) queued behind it on the disk: a second with many
/// slow answers that lines up with one is the machine's. Postgres leaves the table pages it
/// writes to the kernel, which writes them back once they are 30 s old, a whole file at a time.
final class WriteBackWatch: Sendable {
    struct Burst: Sendable {
        let at: ContinuousClock.Instant
        let megabytes: Double
    }

    static let burstMegabytes = 8.0
    private let state = Mutex<(bursts: [Burst], stopped: Bool)>(([], false))

    /// Starts watching on a thread of its own.
    init() {
        Thread { [self] in watch() }.start()
    }

    /// Stops watching; the bursts seen.
    func stop() -> [Burst] {
        state.withLock { state in
            state.stopped = true
            return state.bursts
        }
    }

    private func watch() {
        var last = Self.dirtyMegabytes()
        while !state.withLock({ $0.stopped }) {
            Thread.sleep(forTimeInterval: 0.1)
            guard let now = Self.dirtyMegabytes() else { return }
            if let last, last - now >= Self.burstMegabytes {
                state.withLock { $0.bursts.append(Burst(at: .now, megabytes: last - now)) }
            }
            last = now
        }
    }

    /// Writes every dirty page back now (`sync`) and says how many there were. A phase's setup
    /// (tens of thousands of tickets stocked in seconds, the monolith's run before the fleet's)
    /// dirties far more table pages than the load does, and the kernel would write them back 30 s
    /// later, inside the phase, queueing every commit's fsync behind them: the setup's cost, not
    /// the load's. The pages the load itself dirties are still written back in the phases and
    /// reported.
    static func flushSetup(_ what: String) {
        let dirty = dirtyMegabytes() ?? .nan
        let start = ContinuousClock.now
        sync()
        say(String(format: "%@: wrote back its %.0f MB of dirty pages (sync, %.1f s), so the kernel does not write them inside the phase",
                   what, dirty, (ContinuousClock.now - start).seconds))
    }

    /// Dirty pages not yet being written back, in MB; nil without `/proc/meminfo`.
    private static func dirtyMegabytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Dirty:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        return nil
    }
}
