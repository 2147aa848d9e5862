import BenchmarkSupport

/// The command line; every default meets the benchmark's brief (≥ 5 s warm-up, ≥ 30 s phases).
struct Options {
    /// Connections (one buyer each) of the fleet's load, and clients of the monolith.
    var clients = 32
    var warmup = 5
    /// Seconds of each measured phase: the unpaced one, each paced one, the monolith's.
    var phase = 30
    /// The fastest orders/s the unpaced phase is stocked with fresh tickets for; a phase that
    /// runs out says so.
    var maxRate = 3200
    /// Seconds of the memory soak; nil runs the load benchmark.
    var soakSeconds: Int?
    /// Purchases a second during the soak.
    var rate = 150
    /// Orders/s of a single paced phase, beside the monolith paced alike, to run instead of the
    /// unpaced phases and the fractions of the fleet's peak: to study one load quickly.
    var pacedOnly: Int?

    static let pacedFractions = [0.25, 0.5, 0.75, 1.0]
    static let usage = "[--clients N] [--warmup SECONDS] [--phase SECONDS] [--max-rate ORDERS_PER_S] [--paced ORDERS_PER_S], or --soak SECONDS [--rate N] [--clients N]"

    init(_ arguments: [String]) throws {
        let flags = try WholeNumberFlags.parse(
            arguments, known: ["--clients", "--warmup", "--phase", "--max-rate", "--soak", "--rate", "--paced"], usage: Self.usage)
        clients = flags["--clients"] ?? clients
        warmup = flags["--warmup"] ?? warmup
        phase = flags["--phase"] ?? phase
        maxRate = flags["--max-rate"] ?? maxRate
        soakSeconds = flags["--soak"]
        rate = flags["--rate"] ?? rate
        pacedOnly = flags["--paced"]
    }
}
