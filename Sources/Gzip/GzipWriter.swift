import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams data into gzip members on a file descriptor it does not own.
///
/// Each `finishMember()` closes the current member, so a file can grow by appending members,
/// and a reader can tell exactly which members are complete. Nothing reaches the disk for sure
/// until `sync()`. After a failed write the writer refuses further use (the member on disk is
/// incomplete) and every call throws the first error again.
public final class GzipWriter {
    private let fileDescriptor: Int32
    /// On the heap so its address never changes: zlib's state points back at it.
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private var memberStart: Int64
    private var memberHasData = false
    private var failure: GzipError?
    /// Bytes written to the descriptor by this writer.
    public private(set) var bytesWritten: Int64 = 0

    /// - Parameters:
    ///   - fileDescriptor: an open, writable descriptor; writing starts at its current offset.
    ///   - level: zlib compression level, 1 (fast) to 9 (small); 6 is gzip's default.
    public init(fileDescriptor: Int32, level: Int32 = 6) throws(GzipError) {
        self.fileDescriptor = fileDescriptor
        output = [UInt8](repeating: 0, count: 1 << 17)
        let position = lseek(fileDescriptor, 0, SEEK_CUR)
        memberStart = position >= 0 ? Int64(position) : 0
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 asks zlib for a gzip header and trailer; memLevel 8 is its default.
        let status = czlib_deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.zlib(code: status, message: "deflateInit2 failed")
        }
        self.stream = stream
    }

    /// A `deflateEnd` failure cannot be thrown from here. Z_DATA_ERROR only says an unfinished
    /// member was discarded (the writer is dropped after a failure or before `finishMember()`),
    /// which the caller already knows; any other code would mean zlib no longer recognises the
    /// stream `init` set up.
    deinit {
        let status = deflateEnd(stream)
        assert(status == Z_OK || status == Z_DATA_ERROR, "deflateEnd failed with \(status)")
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Byte offset in the file where the current (unfinished) member starts.
    public var currentMemberOffset: Int64 { memberStart }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(GzipError) {
        try checkUsable()
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        memberHasData = true
        // zlib counts in 32-bit `uInt`: feed very large buffers in slices.
        let sliceLimit = 1 << 30
        var offset = 0
        while offset < bytes.count {
            let count = min(sliceLimit, bytes.count - offset)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(count)
            while stream.pointee.avail_in > 0 {
                try deflateStep(flush: Z_NO_FLUSH)
            }
            offset += count
        }
        stream.pointee.next_in = nil
    }

    /// Throws `GzipError`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Throws `GzipError`.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Ends the current member and writes its trailer. The next write starts a new member.
    /// A member with no data is valid (20 bytes); check `hasUnfinishedData` to avoid one.
    @discardableResult
    public func finishMember() throws(GzipError) -> GzipMember {
        try checkUsable()
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        var status: Int32 = Z_OK
        repeat {
            status = try deflateStep(flush: Z_FINISH)
        } while status != Z_STREAM_END
        // zlib keeps the member's CRC-32 in `adler` and its uncompressed length in `total_in`.
        let end = memberStart + Int64(stream.pointee.total_out)
        let member = GzipMember(
            offset: memberStart, compressedBytes: end - memberStart,
            uncompressedBytes: Int64(stream.pointee.total_in), crc32: UInt32(truncatingIfNeeded: stream.pointee.adler))
        let reset = deflateReset(stream)
        guard reset == Z_OK else { throw fail(.zlib(code: reset, message: "deflateReset failed")) }
        memberStart = end
        memberHasData = false
        return member
    }

    /// True when data was written since the last `finishMember()`.
    public var hasUnfinishedData: Bool { memberHasData }

    /// Flushes the file's data to stable storage (`fsync`).
    public func sync() throws(GzipError) {
        try checkUsable()
        guard fsync(fileDescriptor) == 0 else { throw fail(.system(operation: "fsync", errno: errno)) }
    }

    private func checkUsable() throws(GzipError) {
        if let failure { throw failure }
    }

    /// Remembers the first failure so later calls do not write after a gap.
    private func fail(_ error: GzipError) -> GzipError {
        if failure == nil { failure = error }
        return error
    }

    @discardableResult
    private func deflateStep(flush: Int32) throws(GzipError) -> Int32 {
        let capacity = output.count
        let (status, produced) = output.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            let status = deflate(stream, flush)
            return (status, capacity - Int(stream.pointee.avail_out))
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            throw fail(.zlib(code: status, message: "deflate failed"))
        }
        if produced > 0 { try writeAll(count: produced) }
        return status
    }

    private func writeAll(count: Int) throws(GzipError) {
        var done = 0
        while done < count {
            let result = output.withUnsafeBytes { raw in
                systemWrite(fileDescriptor, UnsafeRawBufferPointer(rebasing: raw[done..<count]))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw fail(.system(operation: "write", errno: errno))
            }
            done += result
            bytesWritten += Int64(result)
        }
    }
}

/// `write(2)`, named apart from `GzipWriter.write`.
private func systemWrite(_ fileDescriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fileDescriptor, buffer.baseAddress, buffer.count)
    #else
    return Darwin.write(fileDescriptor, buffer.baseAddress, buffer.count)
    #endif
}
