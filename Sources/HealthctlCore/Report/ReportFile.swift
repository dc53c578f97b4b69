import Foundation

/// Writes a report file whole or not at all (`AtomicFile`), so a cron reader never sees half a report.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws(ReportFileError) {
        var text = text
        let failure: AtomicFile.Failure? = text.withUTF8 { buffer in
            do throws(AtomicFile.Failure) {
                try AtomicFile.replace(path, with: UnsafeRawBufferPointer(buffer))
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw ReportFileError(path: path, reason: "\(failure.operation) failed: \(String(cString: strerror(failure.errno)))") }
    }

    /// Writes to standard output without copying the (possibly large) text first.
    public static func writeStandardOutput(_ text: inout String) throws(ReportFileError) {
        let code = text.withUTF8 { AtomicFile.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) }
        if let code { throw ReportFileError(path: "standard output", reason: String(cString: strerror(code))) }
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
