import Foundation

/// Writes a report file whole or not at all: to a temporary name in the same directory, then
/// renamed, so a reader never sees half a report. Mode 0600: reports can quote error messages.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws(ReportFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ReportFileError(path: path, reason: String(cString: strerror(errno))) }
        var text = text
        var failure = writeAll(&text, to: descriptor)
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw ReportFileError(path: path, reason: failure)
        }
    }

    /// Writes to standard output without copying the (possibly large) text first.
    public static func writeStandardOutput(_ text: inout String) throws(ReportFileError) {
        if let failure = writeAll(&text, to: STDOUT_FILENO) { throw ReportFileError(path: "standard output", reason: failure) }
    }

    /// Writes every byte, retrying short writes; returns the error text on failure.
    private static func writeAll(_ text: inout String, to descriptor: Int32) -> String? {
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
    }

    /// Creates the directory (mode 0700) when it does not exist.
    public static func makeDirectory(_ path: String) throws(ReportFileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ReportFileError(path: path, reason: "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReportFileError(path: path, reason: "cannot create the directory")
        }
    }
}

public struct ReportFileError: CategorizedError, Equatable, Sendable {
    public var path: String
    public var reason: String

    public var category: FailureCategory { .cannotWrite }
    public var description: String { "cannot write the report to \(path): \(reason)" }
}
