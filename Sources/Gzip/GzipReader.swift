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
public struct GzipReader {
    private let fileDescriptor: Int32

    /// - Parameter fileDescriptor: an open, readable descriptor positioned at the first member.
    ///   The reader does not close it.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Reads to the end of the file.
    /// - Parameters:
    ///   - onData: receives decompressed bytes of the current member, in order.
    ///   - onMemberEnd: called after the last chunk of each complete, verified member.
    /// - Returns: every member read.
    @discardableResult
    public func read(
        onData: (UnsafeRawBufferPointer) throws -> Void,
        onMemberEnd: (GzipMember) throws -> Void = { _ in }
    ) throws -> [GzipMember] {
        var stream = z_stream()
        let status = czlib_inflateInit2(&stream, 15 + 16)
        guard status == Z_OK else { throw GzipError.zlib(code: status, message: "inflateInit2 failed") }
        defer { inflateEnd(&stream) }

        var input = [UInt8](repeating: 0, count: 1 << 17)
        var output = [UInt8](repeating: 0, count: 1 << 17)
        var members: [GzipMember] = []
        var inputAvailable = 0
        var inputConsumed = 0
        var fileOffsetOfInput: Int64 = 0
        var memberStart: Int64 = 0
        var memberUncompressed: Int64 = 0
        var memberCRC: UInt32 = 0
        var inMember = false
        var endOfFile = false

        while true {
            if inputConsumed == inputAvailable, !endOfFile {
                fileOffsetOfInput += Int64(inputAvailable)
                let count = input.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress!, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw GzipError.system(operation: "read", errno: errno)
                }
                inputAvailable = count
                inputConsumed = 0
                if count == 0 { endOfFile = true }
            }
            let position = fileOffsetOfInput + Int64(inputConsumed)
            if inputConsumed == inputAvailable, endOfFile {
                if inMember { throw GzipError.truncated(member: members.count, offset: memberStart) }
                return members
            }
            if !inMember {
                // A new member must begin with the gzip magic; anything else after a complete
                // member is trailing garbage.
                if input[inputConsumed] != 0x1f {
                    if members.isEmpty {
                        throw GzipError.corruptMember(member: 0, offset: position, reason: "not in gzip format")
                    }
                    throw GzipError.trailingGarbage(offset: position)
                }
                inMember = true
                memberStart = position
                memberUncompressed = 0
                memberCRC = 0
            }
            let memberIndex = members.count
            let start = memberStart
            let (code, consumed, produced): (Int32, Int, Int) = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_in = inBuffer.baseAddress! + inputConsumed
                    stream.avail_in = uInt(inputAvailable - inputConsumed)
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    return (code, inputAvailable - inputConsumed - Int(stream.avail_in), outBuffer.count - Int(stream.avail_out))
                }
            }
            inputConsumed += consumed
            if produced > 0 {
                try output.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<produced])
                    memberCRC = UInt32(crc32(uLong(memberCRC), chunk.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(produced)))
                    memberUncompressed += Int64(produced)
                    try onData(chunk)
                }
            }
            switch code {
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible with this input: need more (handled at the top) or the file ended.
                if endOfFile && inputConsumed == inputAvailable {
                    throw GzipError.truncated(member: memberIndex, offset: start)
                }
                continue
            case Z_STREAM_END:
                let end = fileOffsetOfInput + Int64(inputConsumed)
                let member = GzipMember(
                    offset: start, compressedBytes: end - start, uncompressedBytes: memberUncompressed, crc32: memberCRC)
                members.append(member)
                try onMemberEnd(member)
                inMember = false
                let reset = inflateReset(&stream)
                guard reset == Z_OK else { throw GzipError.zlib(code: reset, message: "inflateReset failed") }
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                throw GzipError.corruptMember(member: memberIndex, offset: start, reason: reason)
            }
        }
    }
}
