/// A probe whose answer is reused for a while: a flood of `/readyz` requests costs Redis and
/// Postgres one check per `lifetime`, and callers that arrive during a check wait for it
/// rather than starting their own.
public actor CachedReadiness: ReadinessProbe {
    let probe: any ReadinessProbe
    let lifetime: Duration
    private var last: (at: ContinuousClock.Instant, ready: Bool)?
    private var checking: Task<Bool, Never>?

    public init(_ probe: any ReadinessProbe, lifetime: Duration = .seconds(1)) {
        self.probe = probe
        self.lifetime = lifetime
    }

    public func isReady() async -> Bool {
        if let last, ContinuousClock.now - last.at < lifetime { return last.ready }
        if let checking { return await checking.value }
        let probe = self.probe
        let check = Task { await probe.isReady() }
        checking = check
        let ready = await check.value
        last = (ContinuousClock.now, ready)
        checking = nil
        return ready
    }
}
