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

extension BlockingWorkers {
    /// Produces items `0..<count` on `workers` threads of their own and hands each to `consume`
    /// on the calling thread, in order. At most `lookahead` items are produced ahead of the one
    /// being consumed, which bounds what is held. Each thread makes its `Worker` (a connection)
    /// once, on first use. `beforeConsuming` runs on the calling thread once the workers have
    /// started, so what must come before the first item (a report's carry-ins) overlaps with
    /// producing it. The first error, from any side, stops the others and is thrown.
    static func inOrder<Worker, Value: Sendable>(
        count: Int, workers: Int, lookahead: Int, makeWorker: @escaping @Sendable () throws -> Worker,
        produce: @escaping @Sendable (inout Worker, Int) throws -> Value, beforeConsuming: () throws -> Void = {},
        consume: (Int, Value) throws -> Void
    ) throws {
        guard count > 0 else { return try beforeConsuming() }
        let threads = max(1, min(workers, count))
        let shared = OrderedHandoff<Value>(count: count, lookahead: max(lookahead, threads))
        let started = (0..<threads).map { _ in
            start {
                var worker: Worker?
                while let item = shared.take() {
                    let result = Result { () throws -> Value in
                        if worker == nil { worker = try makeWorker() }
                        return try produce(&worker!, item)
                    }
                    shared.put(item, result)
                }
                return true
            }
        }
        defer {
            shared.cancel()
            for thread in started { _ = thread.wait() }
        }
        try beforeConsuming()
        for item in 0..<count {
            try consume(item, try shared.result(item).get())
        }
    }
}

/// The shared state of `BlockingWorkers.inOrder`.
private final class OrderedHandoff<Value: Sendable>: Sendable {
    private let slots: Mutex<[Result<Value, any Error>?]>
    private let ready: [DispatchSemaphore]
    private let credits: DispatchSemaphore
    private let next = Mutex(0)
    private let cancelled = Mutex(false)
    private let count: Int

    init(count: Int, lookahead: Int) {
        self.count = count
        slots = Mutex(Array(repeating: nil, count: count))
        ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        // Made at 0 and signalled up: libdispatch traps when a semaphore is freed below the
        // value it was made with, which a stop after an error can leave.
        credits = DispatchSemaphore(value: 0)
        for _ in 0..<lookahead { credits.signal() }
    }

    /// The next item to produce, once fewer than `lookahead` wait for the consumer; nil at the end.
    func take() -> Int? {
        credits.wait()
        let item: Int? = next.withLock { next in
            guard !cancelled.withLock({ $0 }), next < count else { return nil }
            defer { next += 1 }
            return next
        }
        // Pass the wake-up on, so every other thread also sees the end.
        if item == nil { credits.signal() }
        return item
    }

    func put(_ item: Int, _ result: Result<Value, any Error>) {
        slots.withLock { $0[item] = result }
        ready[item].signal()
    }

    /// Waits for an item and frees its slot and credit.
    func result(_ item: Int) -> Result<Value, any Error> {
        ready[item].wait()
        credits.signal()
        return slots.withLock { slots in
            defer { slots[item] = nil }
            guard let result = slots[item] else { preconditionFailure("signalled before the result was stored") }
            return result
        }
    }

    /// Stops handing out items; the wake-up passed on in `take` reaches every waiting thread.
    func cancel() {
        cancelled.withLock { $0 = true }
        credits.signal()
    }
}
