#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to write or read gzip data.
public enum GzipError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A system call failed (`write`, `fsync`, `read`, ...), with its `errno`.
    case system(operation: String, errno: Int32)
    /// zlib refused to start or continue (out of memory, bad parameters).
    case zlib(code: Int32, message: String)
    /// Member `member` (counted from 0) is damaged: a bad header, bad deflate data, a CRC32 or
    /// length mismatch. `offset` is where the member starts in the compressed input.
    case corruptMember(member: Int, offset: Int64, reason: String)
    /// The input ends inside member `member`.
    case truncated(member: Int, offset: Int64)
    /// Bytes after the last complete member that are not a gzip member.
    case trailingGarbage(offset: Int64)

    public var description: String {
        switch self {
        case let .system(operation, code):
            return "\(operation) failed: \(String(cString: strerror(code)))"
        case let .zlib(code, message):
            return "zlib error \(code): \(message)"
        case let .corruptMember(member, offset, reason):
            return "gzip member \(member) at byte \(offset) is corrupt: \(reason)"
        case let .truncated(member, offset):
            return "gzip member \(member) at byte \(offset) is truncated"
        case let .trailingGarbage(offset):
            return "data after the last gzip member at byte \(offset) is not gzip"
        }
    }

    /// True when the failure was the disk filling up.
    public var isDiskFull: Bool {
        if case let .system(_, code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }
}
