#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure reading or writing archive files.
public enum ArchiveError: CategorizedError, Sendable, Equatable {
    /// A file or directory could not be created, written or synced (disk full, read-only, no permission).
    case cannotWrite(path: String, operation: String, errno: Int32)
    /// A file could not be read.
    case cannotRead(path: String, errno: Int32)
    /// An archive file or its manifest is damaged or inconsistent; `member` counts from 0.
    case damaged(path: String, member: Int?, problem: String)

    public var category: FailureCategory {
        switch self {
        case .cannotWrite: return .cannotWrite
        case let .cannotRead(_, code): return code == ENOENT ? .usage : .dataError
        case .damaged: return .dataError
        }
    }

    public var description: String {
        switch self {
        case let .cannotWrite(path, operation, code):
            var text = "cannot write archive: \(operation) \(path) failed: \(String(cString: strerror(code)))"
            if code == ENOSPC || code == EDQUOT { text += " (free some space or choose another --archive-dir)" }
            return text + "; rows not yet archived were left in the database"
        case let .cannotRead(path, code):
            return "cannot read \(path): \(String(cString: strerror(code)))"
        case let .damaged(path, member, problem):
            return "\(path): " + (member.map { "member \($0): " } ?? "") + problem
        }
    }
}
