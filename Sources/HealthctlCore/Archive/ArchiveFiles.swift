import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system steps the archive's durability rests on: private modes, fsync of files and
/// of the directories that name them, and atomic replacement.
enum ArchiveFiles {
    static let fileMode: mode_t = 0o600
    static let directoryMode: mode_t = 0o700

    /// Creates `path` and its missing parents with mode 0700, syncing each parent so the new
    /// entries survive a power loss.
    static func createDirectories(_ path: String) throws(ArchiveError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .cannotWrite(path: path, operation: "creating directory", errno: ENOTDIR) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectories(parent) }
        if mkdir(path, directoryMode) != 0, errno != EEXIST {
            throw .cannotWrite(path: path, operation: "creating directory", errno: errno)
        }
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    static func syncDirectory(_ path: String) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw .cannotWrite(path: path, operation: "opening directory", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .cannotWrite(path: path, operation: "syncing directory", errno: errno) }
    }

    /// Replaces `path` with `data` atomically and durably (see `AtomicFile`).
    static func replaceAtomically(_ path: String, with data: [UInt8]) throws(ArchiveError) {
        let failure: AtomicFile.Failure? = data.withUnsafeBytes { bytes in
            do throws(AtomicFile.Failure) {
                try AtomicFile.replace(path, with: bytes)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw .cannotWrite(path: failure.path, operation: failure.operation, errno: failure.errno) }
    }

    static func readAll(_ path: String) throws(ArchiveError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, errno: FileManager.default.fileExists(atPath: path) ? EACCES : ENOENT)
        }
        return [UInt8](data)
    }

    static func size(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Reads `count` bytes at `offset` of an open file, handing them out in chunks.
    static func readRange(
        _ descriptor: Int32, offset: Int64, count: Int64, path: String, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(ArchiveError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        var position = offset
        let end = offset + count
        while position < end {
            let wanted = Int(min(Int64(buffer.count), end - position))
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, wanted, off_t(position)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, errno: errno)
            }
            guard got > 0 else { throw .damaged(path: path, member: nil, problem: "file ends at byte \(position), expected \(end) bytes") }
            buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            position += Int64(got)
        }
    }

    /// A finished SHA-256 as lowercase hex.
    static func hex(_ hasher: SHA256) -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Every `*.csv.gz` file under the given files and directories, sorted.
    static func dataFiles(in paths: [String]) throws(ArchiveError) -> [String] {
        var found: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .cannotRead(path: path, errno: ENOENT)
            }
            if !isDirectory.boolValue {
                found.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let enumerator = FileManager.default.enumerator(atPath: base)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(ArchiveFormat.dataSuffix) else { continue }
                let file = base + "/" + relative
                // A link could make verify or restore read rows from outside the archive.
                var status = stat()
                if lstat(file, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
                    throw .damaged(path: file, member: nil, problem: "is a symbolic link: an archive holds regular files only")
                }
                found.append(file)
            }
        }
        return Array(Set(found)).sorted()
    }
}
