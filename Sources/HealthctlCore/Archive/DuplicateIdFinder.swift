import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Temporary space for the id fingerprints of `archive verify` ran out or cannot be used.
public struct ScratchSpaceError: CategorizedError, Sendable, Equatable {
    public var directory: String
    public var operation: String
    public var errno: Int32

    public var category: FailureCategory { .cannotWrite }
    public var description: String {
        var text = "cannot \(operation) a temporary file in \(directory): \(String(cString: strerror(errno)))"
        if errno == ENOSPC || errno == EDQUOT {
            text += " (verifying ids needs about 8 bytes of temporary space per archived row; point TMPDIR at a directory with more room)"
        }
        return text
    }
}

/// Finds the ids that occur more than once among any number of archived rows in bounded memory.
///
/// Each id is kept as a 64-bit fingerprint. When the buffer holds `bufferCapacity` of them it is
/// sorted and written out as a run to an unlinked temporary file (mode 0600, gone with the
/// process), and at the end the runs are merged. Equal neighbours are only candidates: the caller
/// confirms them by id (two different ids can share a fingerprint), so nothing is reported wrongly.
/// Memory is the buffer (8 bytes per id, 64 MB by default) plus one read buffer per run.
struct DuplicateIdFinder {
    typealias Fingerprint = UInt64

    /// `Hasher`'s seed changes from process to process, which is fine: fingerprints never outlive one.
    static func defaultFingerprint(_ id: ArraySlice<UInt8>) -> Fingerprint {
        var hasher = Hasher()
        id.withUnsafeBytes { hasher.combine(bytes: $0) }
        return Fingerprint(UInt(bitPattern: hasher.finalize()))
    }

    private let bufferCapacity: Int
    private let directory: String
    private let fingerprint: (ArraySlice<UInt8>) -> Fingerprint
    private var buffer: [Fingerprint] = []
    /// Open temporary files, each holding one sorted run.
    private var runs: [(descriptor: Int32, count: Int)] = []

    init(
        bufferCapacity: Int = 8 << 20,
        directory: String = FileManager.default.temporaryDirectory.path,
        /// Replaceable so that a test can make ids collide.
        fingerprint: @escaping (ArraySlice<UInt8>) -> Fingerprint = DuplicateIdFinder.defaultFingerprint
    ) {
        self.bufferCapacity = max(bufferCapacity, 1)
        self.directory = directory
        self.fingerprint = fingerprint
        buffer.reserveCapacity(min(self.bufferCapacity, 1 << 16))
    }

    /// Closes the temporary files (they were unlinked when made).
    func discardRuns() {
        for run in runs { close(run.descriptor) }
    }

    func fingerprintOf(_ id: ArraySlice<UInt8>) -> Fingerprint { fingerprint(id) }

    /// How many buffer-fulls went to temporary files.
    var spilledRuns: Int { runs.count }

    mutating func add(_ id: ArraySlice<UInt8>) throws(ScratchSpaceError) {
        buffer.append(fingerprint(id))
        if buffer.count >= bufferCapacity { try spill() }
    }

    /// The fingerprints seen more than once, at most `limit` of them, and whether there were more.
    mutating func repeatedFingerprints(limit: Int) throws(ScratchSpaceError) -> (found: Set<Fingerprint>, more: Bool) {
        buffer.sort()
        var found = Set<Fingerprint>()
        var more = false
        var previous: Fingerprint?
        var merge = try RunMerge(runs: runs, directory: directory, memory: buffer)
        while let next = try merge.next() {
            if next == previous, !found.contains(next) {
                if found.count == limit { more = true; break }
                found.insert(next)
            }
            previous = next
        }
        return (found, more)
    }

    private mutating func spill() throws(ScratchSpaceError) {
        buffer.sort()
        var template = Array((directory + "/healthctl-verify-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw ScratchSpaceError(directory: directory, operation: "create", errno: errno) }
        // Unlinked at once: the file lives as long as the descriptor, and a killed run leaves nothing.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let failure: Int32? = buffer.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return nil
        }
        if let failure {
            close(descriptor)
            throw ScratchSpaceError(directory: directory, operation: "write", errno: failure)
        }
        runs.append((descriptor, buffer.count))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Merges sorted runs of fingerprints (temporary files and one in-memory array) into one sorted
/// sequence, with a binary heap of the runs' current heads.
private struct RunMerge {
    private struct Reader {
        var descriptor: Int32
        var remaining: Int
        var position: off_t = 0
        var chunk: [UInt64] = []
        var index = 0
    }

    private static let chunkCount = 1 << 15
    private let directory: String
    private var readers: [Reader]
    private let memory: [UInt64]
    private var memoryIndex = 0
    /// (head value, source): source -1 is the in-memory run.
    private var heap: [(value: UInt64, source: Int)] = []

    init(runs: [(descriptor: Int32, count: Int)], directory: String, memory: [UInt64]) throws(ScratchSpaceError) {
        self.directory = directory
        self.memory = memory
        readers = runs.map { Reader(descriptor: $0.descriptor, remaining: $0.count) }
        for source in readers.indices {
            if let value = try advance(source) { push((value, source)) }
        }
        if let value = advanceMemory() { push((value, -1)) }
    }

    mutating func next() throws(ScratchSpaceError) -> UInt64? {
        guard let top = heap.first else { return nil }
        let replacement = top.source < 0 ? advanceMemory() : try advance(top.source)
        if let replacement {
            heap[0] = (replacement, top.source)
            siftDown(0)
        } else {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
        }
        return top.value
    }

    private mutating func advanceMemory() -> UInt64? {
        guard memoryIndex < memory.count else { return nil }
        defer { memoryIndex += 1 }
        return memory[memoryIndex]
    }

    private mutating func advance(_ source: Int) throws(ScratchSpaceError) -> UInt64? {
        if readers[source].index == readers[source].chunk.count {
            let count = min(Self.chunkCount, readers[source].remaining)
            guard count > 0 else { return nil }
            var chunk = [UInt64](repeating: 0, count: count)
            let descriptor = readers[source].descriptor
            let start = readers[source].position
            let failure: Int32? = chunk.withUnsafeMutableBytes { bytes in
                var done = 0
                while done < bytes.count {
                    let result = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, start + off_t(done))
                    if result < 0, errno == EINTR { continue }
                    if result <= 0 { return result < 0 ? errno : EIO }
                    done += result
                }
                return nil
            }
            if let failure { throw ScratchSpaceError(directory: directory, operation: "read back", errno: failure) }
            readers[source].chunk = chunk
            readers[source].index = 0
            readers[source].remaining -= count
            readers[source].position += off_t(count * MemoryLayout<UInt64>.stride)
        }
        defer { readers[source].index += 1 }
        return readers[source].chunk[readers[source].index]
    }

    private mutating func push(_ entry: (value: UInt64, source: Int)) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].value < heap[parent].value else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let smaller = right < heap.count && heap[right].value < heap[left].value ? right : left
            guard heap[smaller].value < heap[parent].value else { return }
            heap.swapAt(parent, smaller)
            parent = smaller
        }
    }
}
