import Foundation
import Synchronization

/// Blocking work (a database connection, a file) on threads of their own, for the jobs that run
/// several at once. Threads rather than a pool: each worker waits on I/O, and `--jobs N` means N
/// workers at the same time whatever the number of cores.
enum BlockingWorkers {
    /// Runs `body(0)` … `body(count - 1)` at the same time, each on a thread of its own, and
    /// returns their results in order once every one has ended.
    static func run<Value: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Value) -> [Value] {
        (0..<count).map { index in start { body(index) } }.map { $0.wait() }
    }

    /// Runs `first` on the calling thread (so it may use what cannot cross threads, such as the
    /// connection holding a lock) while `others(1)` … `others(count - 1)` run on threads of their
    /// own; returns when all have ended.
    static func run<Value: Sendable>(
        _ count: Int, onThisThread first: () -> Value, others: @escaping @Sendable (Int) -> Value
    ) -> [Value] {
        let started = (1..<max(count, 1)).map { index in start { others(index) } }
        let firstValue = first()
        return [firstValue] + started.map { $0.wait() }
    }

    /// Starts `body` on a thread of its own; `wait()` returns its result.
    static func start<Value: Sendable>(_ body: @escaping @Sendable () -> Value) -> Started<Value> {
        let started = Started<Value>()
        let thread = Thread {
            let value = body()
            started.result.withLock { $0 = value }
            started.done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        return started
    }

    final class Started<Value: Sendable>: Sendable {
        fileprivate let result = Mutex<Value?>(nil)
        fileprivate let done = DispatchSemaphore(value: 0)

        /// Blocks until the thread's body has returned; call once.
        func wait() -> Value {
            done.wait()
            return result.withLock { value in
                guard let value else { preconditionFailure("signalled before the result was stored") }
                return value
            }
        }
    }
}
