import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-or-nothing file writes, shared by report files and archive manifests: a temporary file
/// in the same directory (mode 0600: both can quote error messages), fsync, rename over the
/// target, fsync of the directory. A reader sees the old file or the new one, never half of one.
enum AtomicFile {
    /// A failed step: what was being done, on which path, and `errno`.
    struct Failure: Error {
        var operation: String
        var path: String
        var errno: Int32
    }

    static func replace(_ path: String, with bytes: UnsafeRawBufferPointer, mode: mode_t = 0o600) throws(Failure) {
        try replace(path, mode: mode) { writeAll($0, bytes) }
    }

    /// The same, with `write` filling the temporary file (it returns `errno` when a write failed).
    /// `mode` 0644 only for files that hold no log rows (metrics for node_exporter).
    static func replace(_ path: String, mode: mode_t = 0o600, writing write: (Int32) -> Int32?) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        // The process id keeps two writers of the same file from sharing a temporary name.
        let temporary = folder + "/." + (path as NSString).lastPathComponent + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(operation: "creating", path: temporary, errno: errno) }
        // The umask may have narrowed the mode; a metrics file must be readable by its collector.
        if mode != 0o600 { fchmod(descriptor, mode) }
        if let code = write(descriptor) {
            close(descriptor)
            unlink(temporary)
            throw Failure(operation: "writing", path: temporary, errno: code)
        }
        if fsync(descriptor) != 0 {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw Failure(operation: "syncing", path: temporary, errno: code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(operation: "renaming over", path: path, errno: code)
        }
        let directoryDescriptor = open(folder, O_RDONLY | O_DIRECTORY)
        guard directoryDescriptor >= 0 else { throw Failure(operation: "opening directory", path: folder, errno: errno) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw Failure(operation: "syncing directory", path: folder, errno: errno) }
    }

    /// Writes every byte, retrying short and interrupted writes; returns `errno` on failure.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}
