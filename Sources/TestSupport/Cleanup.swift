import Foundation

/// Stops every server and removes every folder the test support made when the process exits,
/// since Swift Testing has no suite-wide teardown.
enum Cleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var actions: [() -> Void] = []
    private static let installHandler: Void = {
        atexit { Cleanup.runAll() }
    }()

    static func register(_ action: @escaping () -> Void) {
        _ = installHandler
        lock.withLock { actions.append(action) }
    }

    private static func runAll() {
        let pending = lock.withLock { () -> [() -> Void] in
            defer { actions.removeAll() }
            return actions
        }
        for action in pending.reversed() { action() }
    }
}
