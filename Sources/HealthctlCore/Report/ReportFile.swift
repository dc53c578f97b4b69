import Foundation

/// Where a renderer puts its text, piece by piece, as UTF-8 bytes.
public final class TextSink: @unchecked Sendable {
    /// About how much text a renderer gathers before handing it over.
    public static let pieceBytes = 1 << 20
    private let consume: (UnsafeRawBufferPointer) -> Void

    /// A sink that takes each piece's bytes, valid only during the call: a writer passes them on
    /// without making a `String` of them.
    public init(bytes consume: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.consume = consume
    }

    /// A sink that takes each piece as text.
    public convenience init(_ consume: @escaping (String) -> Void) {
        self.init(bytes: { consume(String(decoding: $0, as: UTF8.self)) })
    }

    /// Hands `text` over and empties it (keeping its capacity for the next piece).
    public func emit(_ text: inout String) {
        guard !text.isEmpty else { return }
        text.withUTF8 { consume(UnsafeRawBufferPointer($0)) }
        text.removeAll(keepingCapacity: true)
    }

    /// Hands over whole UTF-8 characters.
    public func emit(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        consume(bytes)
    }
}

/// Writes a report file whole or not at all (`AtomicFile`), so a cron reader never sees half a report.
public enum ReportFile {
    /// `name` as a file name part: letters, digits, `.`, `_` and `-` kept, anything else as
    /// `%XX` bytes, so two customers never share a file and none escapes the directory.
    public static func safeName(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.isASCII, (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar)),
                !(out.isEmpty && scalar == ".")
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out.isEmpty ? "%00" : out
    }

    /// Writes what `render` hands its sink to `path` (atomically) or, with nil, to standard output,
    /// without holding the whole text.
    public static func stream(to path: String?, _ render: (TextSink) -> Void) throws(ReportFileError) {
        var failure: Int32?
        func write(_ descriptor: Int32) -> Int32? {
            render(TextSink(bytes: { piece in
                guard failure == nil else { return }
                failure = AtomicFile.writeAll(descriptor, piece)
            }))
            return failure
        }
        guard let path else {
            if let code = write(STDOUT_FILENO) { throw ReportFileError(path: "standard output", reason: String(cString: strerror(code))) }
            return
        }
        do throws(AtomicFile.Failure) {
            try AtomicFile.replace(path, writing: write)
        } catch {
            throw ReportFileError(path: path, reason: "\(error.operation) failed: \(String(cString: strerror(error.errno)))")
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
