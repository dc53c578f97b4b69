import Foundation
import HealthctlCore
import Synchronization

/// `HEALTHCTL_FAULT=POINT[@N]`: the process kills itself with SIGKILL the N-th time (default 1)
/// any prune worker reaches the named `FaultPoint`. A testing aid for crash tests only.
enum FaultInjection {
    static func fromEnvironment() -> FaultHook? {
        guard let value = ProcessInfo.processInfo.environment["HEALTHCTL_FAULT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "@")
        guard let name = parts.first, let point = FaultPoint(rawValue: String(name)) else { return nil }
        let killAt = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
        let reached = Counter()
        return { current in
            guard current == point else { return }
            if reached.count.add(1, ordering: .relaxed).newValue == killAt { kill(getpid(), SIGKILL) }
        }
    }

    /// How often the point was reached, by all workers together.
    private final class Counter: Sendable {
        let count = Atomic<Int>(0)
    }
}
