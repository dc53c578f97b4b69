import Foundation
import Synchronization

/// Set when the user or the system asks a long job to stop (SIGINT, SIGTERM, `--max-runtime`).
///
/// Batch loops check it between batches: the current batch finishes (or rolls back) and the job
/// returns what it did so far.
public final class StopRequest: Sendable {
    private let reason = Mutex<String?>(nil)

    public init() {}

    /// Asks the job to stop; the first reason given is kept.
    public func request(_ why: String) {
        reason.withLock { if $0 == nil { $0 = why } }
    }

    public var isRequested: Bool { reason.withLock { $0 != nil } }

    /// Why the job was asked to stop (`SIGTERM`, `--max-runtime reached`), if it was.
    public var stopReason: String? { reason.withLock { $0 } }

    /// Sleeps for `milliseconds` in steps of 50 ms, returning early once a stop is requested.
    public func sleep(milliseconds: Int64) {
        var remaining = milliseconds
        while remaining > 0, !isRequested {
            let step = min(remaining, 50)
            Thread.sleep(forTimeInterval: Double(step) / 1000)
            remaining -= step
        }
    }
}
