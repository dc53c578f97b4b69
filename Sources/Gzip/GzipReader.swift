import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a gzip file of one or more members, verifying each member's CRC-32 and length.
///
/// Decompressed data is handed out in chunks; the end of each member is reported with its
/// position, so a caller can match members against a manifest.
public final class GzipReader {
    private let fileDescriptor: Int32
    /// On the heap so its address never changes: zlib's state points back at it.
    private let stream: UnsafeMutablePointer<z_stream>

    /// - Parameter fileDescriptor: an open, readable descriptor positioned at the first member.
    ///   The reader does not close it.
    /// - Throws: `GzipError.zlib` when zlib cannot set up a stream (out of memory).
    public init(fileDescriptor: Int32) throws(GzipError) {
        self.fileDescriptor = fileDescriptor
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflateInit2(stream, 15 + 16)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.zlib(code: status, message: "inflateInit2 failed")
        }
        self.stream = stream
    }

    /// An `inflateEnd` failure cannot be thrown from here; it fails only for a stream zlib does
    /// not recognise, and this one was set up in `init` and never moved.
    deinit {
        let status = inflateEnd(stream)
        assert(status == Z_OK, "inflateEnd failed with \(status)")
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Reads to the end of the file. An empty file has no members and is not an error.
    /// Each call starts with a fresh stream, so a reader can read again after a failed read.
    ///
    /// Member offsets are positions in the file (counted from where the descriptor was when
    /// reading began, for a pipe).
    /// - Parameters:
    ///   - onData: receives decompressed bytes of the current member, in order. Data of a member
    ///     that later turns out corrupt has already been handed out when the error is thrown.
    ///   - onMemberEnd: called after the last chunk of each complete, verified member.
    /// - Returns: every member read.
    /// - Throws: `GzipError.corruptMember` (bad header, bad deflate data, CRC-32 or length
    ///   mismatch), `.truncated`, `.trailingGarbage`, `.system` for read errors, or what a
    ///   callback throws.
    @discardableResult
    public func read(
        onData: (UnsafeRawBufferPointer) throws -> Void,
        onMemberEnd: (GzipMember) throws -> Void = { _ in }
    ) throws -> [GzipMember] {
        let status = inflateReset(stream)
        guard status == Z_OK else { throw GzipError.zlib(code: status, message: "inflateReset failed") }

        var input = InputWindow(fileDescriptor: fileDescriptor)
        var output = [UInt8](repeating: 0, count: 1 << 17)
        var members: [GzipMember] = []
        var memberStart: Int64 = 0
        var inMember = false

        while true {
            if !inMember {
                // A new member must begin with the gzip magic 1f 8b; anything else after a
                // complete member is trailing garbage.
                try input.fill(atLeast: 2)
                guard let first = input.peek(0) else { return members }
                if first != 0x1f || (input.peek(1).map { $0 != 0x8b } ?? false) {
                    if members.isEmpty {
                        throw GzipError.corruptMember(member: 0, offset: input.position, reason: "not in gzip format")
                    }
                    throw GzipError.trailingGarbage(offset: input.position)
                }
                inMember = true
                memberStart = input.position
            }
            if input.isEmpty {
                try input.fill(atLeast: 1)
                if input.isEmpty { throw GzipError.truncated(member: members.count, offset: memberStart) }
            }
            let (code, consumed, produced) = input.withUnconsumedBytes { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.pointee.next_in = inBuffer.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                    stream.pointee.avail_in = uInt(inBuffer.count)
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = uInt(outBuffer.count)
                    let code = inflate(stream, Z_NO_FLUSH)
                    return (code, inBuffer.count - Int(stream.pointee.avail_in), outBuffer.count - Int(stream.pointee.avail_out))
                }
            }
            input.consume(consumed)
            if produced > 0 {
                try output.withUnsafeBytes { try onData(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            switch code {
            case Z_OK:
                continue
            case Z_BUF_ERROR where input.isEmpty:
                // All input used and more is needed: read on (or report the truncation above).
                continue
            case Z_STREAM_END:
                // zlib has checked the trailer: `adler` holds the member's CRC-32, `total_out` its length.
                let member = GzipMember(
                    offset: memberStart, compressedBytes: input.position - memberStart,
                    uncompressedBytes: Int64(stream.pointee.total_out), crc32: UInt32(truncatingIfNeeded: stream.pointee.adler))
                members.append(member)
                try onMemberEnd(member)
                inMember = false
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw GzipError.zlib(code: reset, message: "inflateReset failed") }
            case Z_MEM_ERROR, Z_STREAM_ERROR:
                throw GzipError.zlib(code: code, message: "inflate failed")
            default:
                throw GzipError.corruptMember(
                    member: members.count, offset: memberStart, reason: Self.reason(code: code, message: stream.pointee.msg))
            }
        }
    }

    /// zlib's message, with the two trailer checks named the way people know them.
    private static func reason(code: Int32, message: UnsafePointer<CChar>?) -> String {
        if code == Z_NEED_DICT { return "needs a preset dictionary, which gzip never uses" }
        guard let message else { return "zlib error \(code)" }
        switch String(cString: message) {
        case "incorrect data check": return "CRC-32 mismatch (incorrect data check)"
        case "incorrect length check": return "length (ISIZE) mismatch (incorrect length check)"
        case let text: return text
        }
    }
}

/// The compressed bytes read from the file and not yet inflated, with their file position.
private struct InputWindow {
    let fileDescriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 17)
    /// Unconsumed bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64
    private var endOfFile = false

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        let position = lseek(fileDescriptor, 0, SEEK_CUR)
        bufferOffset = position >= 0 ? Int64(position) : 0
    }

    /// File offset of the next unconsumed byte.
    var position: Int64 { bufferOffset + Int64(start) }
    var isEmpty: Bool { start == end }

    func peek(_ index: Int) -> UInt8? { start + index < end ? buffer[start + index] : nil }

    mutating func consume(_ count: Int) { start += count }

    /// Reads until at least `count` bytes are unconsumed or the file ends.
    mutating func fill(atLeast count: Int) throws(GzipError) {
        while end - start < count, !endOfFile {
            if start > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                }
                bufferOffset += Int64(start)
                end -= start
                start = 0
            }
            let filled = end
            let result = buffer.withUnsafeMutableBytes { raw in
                systemRead(fileDescriptor, UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw GzipError.system(operation: "read", errno: errno)
            }
            if result == 0 { endOfFile = true }
            end += result
        }
    }

    func withUnconsumedBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }
}

/// `read(2)`, named apart from `GzipReader.read`.
private func systemRead(_ fileDescriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
    #else
    return Darwin.read(fileDescriptor, buffer.baseAddress, buffer.count)
    #endif
}
