import Foundation
import Gzip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compresses one batch into one gzip member on a thread of its own, so compression overlaps
/// the server's DELETE and the transfer of the next chunks.
///
/// The caller hands over COPY output chunk by chunk (`submit`), then waits for the finished
/// member (`finish`). The thread also reads the CSV to count rows and find the `checkedAt` and
/// id ranges the manifest records.
final class MemberCompressor: @unchecked Sendable {
    struct Result {
        var member: GzipMember
        var statistics: RowStatistics
    }

    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var inputEnded = false
    /// Blocks handed over and not yet compressed (`drain` waits for none).
    private var inFlight = 0
    private var outcome: Swift.Result<Result, any Error>?
    /// Bytes waiting in `queue`; a hand-over waits while they reach `maximumQueuedBytes`, so a
    /// large block (gathered output, `PruneWorker.copyOut`) never queues behind many others.
    private var queuedBytes = 0
    private let maximumQueuedBytes = 16 << 17
    /// COPY hands out one row per chunk; rows are gathered into blocks of this size before the
    /// thread sees them, so locking costs per block, not per row.
    private let blockSize = 1 << 17
    private var block: [UInt8] = []

    private let writer: GzipWriter
    private var collector: RowStatisticsCollector
    private let path: String

    /// Starts a member at the descriptor's current offset; `header` is written first, uncounted.
    init(fileDescriptor: Int32, level: Int32, header: String?, numericIds: Bool, path: String) throws {
        self.path = path
        collector = RowStatisticsCollector(numericIds: numericIds)
        do {
            writer = try GzipWriter(fileDescriptor: fileDescriptor, level: level)
            if let header { try writer.write(header) }
        } catch {
            throw Self.archiveError(error, path: path)
        }
        _ = BlockingWorkers.start { [self] in self.work() }
    }

    /// Adds COPY output. Returns false once the thread has failed: the caller should stop
    /// feeding and call `finish` for the error.
    func submit(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if block.capacity < blockSize { block.reserveCapacity(blockSize + (1 << 12)) }
        block.append(contentsOf: chunk)
        return block.count < blockSize || handOver()
    }

    @discardableResult
    private func handOver() -> Bool {
        guard !block.isEmpty else { return true }
        condition.lock()
        defer { condition.unlock() }
        while queuedBytes >= maximumQueuedBytes && outcome == nil { condition.wait() }
        guard outcome == nil else { return false }
        queue.append(block)
        queuedBytes += block.count
        inFlight += 1
        condition.signal()
        block = []
        return true
    }

    /// Hands over what is gathered and waits until the thread has compressed all of it. Returns
    /// false once the thread has failed (`finish` then gives the error).
    func drain() -> Bool {
        guard handOver() else { return false }
        condition.lock()
        defer { condition.unlock() }
        while inFlight > 0 && outcome == nil { condition.wait() }
        return outcome == nil
    }

    /// Blocks handed over that the thread has not compressed yet.
    var blocksInFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return inFlight
    }

    /// Ends the input and waits for the member to be complete on disk (not yet synced).
    func finish() throws -> Result {
        handOver()
        condition.lock()
        inputEnded = true
        condition.broadcast()
        var result = outcome
        while result == nil {
            condition.wait()
            result = outcome
        }
        condition.unlock()
        return try result?.get() ?? { throw CSVProblem(record: 0, reason: "the compressor ended without a result") }()
    }

    private func work() {
        let result = Swift.Result<Result, any Error> {
            while let chunk = nextChunk() {
                try chunk.withUnsafeBytes { bytes in
                    try collector.scan(bytes)
                    try writer.write(bytes)
                }
                condition.lock()
                inFlight -= 1
                condition.broadcast()
                condition.unlock()
            }
            guard collector.isAtRecordBoundary else {
                throw CSVProblem(record: collector.rows + 1, reason: "the server's output ends inside a record")
            }
            return Result(member: try writer.finishMember(), statistics: collector.statistics)
        }.mapError { Self.archiveError($0, path: path) }
        condition.lock()
        outcome = result
        queue.removeAll()
        queuedBytes = 0
        condition.broadcast()
        condition.unlock()
    }

    private func nextChunk() -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !inputEnded { condition.wait() }
        guard !queue.isEmpty else { return nil }
        condition.signal()
        let chunk = queue.removeFirst()
        queuedBytes -= chunk.count
        return chunk
    }

    static func archiveError(_ error: any Error, path: String) -> any Error {
        if case let GzipError.system(operation, code) = error {
            return ArchiveError.cannotWrite(path: path, operation: operation, errno: code)
        }
        return error
    }
}
