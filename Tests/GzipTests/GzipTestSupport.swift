import Foundation
import Gzip
import Testing

/// A file in the temporary directory, removed when released.
final class TemporaryFile {
    let path: String

    init(_ name: String = "gz") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gziptest-\(UUID().uuidString).\(name)").path
    }

    deinit { unlink(path) }

    var bytes: [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? [] }

    func replace(with bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// Writes each element of `members` as one gzip member with our writer, feeding the data in
    /// slices of `sliceSize` bytes, and returns what `finishMember()` reported.
    func writeMembers(_ members: [[UInt8]], sliceSize: Int = 10_000, prefix: [UInt8] = []) throws -> [GzipMember] {
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        guard fd >= 0 else { throw GzipError.system(operation: "open", errno: errno) }
        defer { close(fd) }
        if !prefix.isEmpty {
            let written = prefix.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == prefix.count else { throw GzipError.system(operation: "write", errno: errno) }
        }
        let writer = try GzipWriter(fileDescriptor: fd)
        var written: [GzipMember] = []
        for data in members {
            var offset = 0
            while offset < data.count {
                let end = min(data.count, offset + sliceSize)
                try writer.write(Array(data[offset..<end]))
                offset = end
            }
            written.append(try writer.finishMember())
        }
        try writer.sync()
        return written
    }

    /// Reads the file with our reader (from `offset`), returning the data of each member separately.
    func readMembers(from offset: off_t = 0) throws -> (members: [GzipMember], data: [[UInt8]]) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GzipError.system(operation: "open", errno: errno) }
        defer { close(fd) }
        guard lseek(fd, offset, SEEK_SET) == offset else { throw GzipError.system(operation: "lseek", errno: errno) }
        return try readAll(fileDescriptor: fd)
    }
}

/// Reads every member from `fileDescriptor`, keeping each member's data apart.
func readAll(fileDescriptor: Int32) throws -> (members: [GzipMember], data: [[UInt8]]) {
    var data: [[UInt8]] = []
    var current: [UInt8] = []
    var ended: [GzipMember] = []
    let members = try GzipReader(fileDescriptor: fileDescriptor).read(
        onData: { current.append(contentsOf: $0) },
        onMemberEnd: {
            ended.append($0)
            data.append(current)
            current = []
        })
    precondition(ended == members, "onMemberEnd saw other members than were returned")
    return (members, data)
}

/// The outcome of reading damaged input: the error thrown, or nil when the read succeeded.
func readError(_ bytes: [UInt8]) throws -> GzipError? {
    let file = TemporaryFile()
    try file.replace(with: bytes)
    do {
        _ = try file.readMembers()
        return nil
    } catch let error as GzipError {
        return error
    }
}

/// The parts of a `.corruptMember` error; nil (with an issue recorded) for anything else.
func corruptMember(
    _ error: GzipError?, sourceLocation: SourceLocation = #_sourceLocation
) -> (member: Int, offset: Int64, reason: String)? {
    guard case let .corruptMember(member, offset, reason) = error else {
        Issue.record("expected corruptMember, got \(String(describing: error))", sourceLocation: sourceLocation)
        return nil
    }
    return (member, offset, reason)
}

/// Runs an outside program (the reference `gzip`), feeding `input` and returning its stdout.
func runTool(_ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = TemporaryFile("out")
    try output.replace(with: [])
    let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output.path))
    process.standardOutput = outHandle
    let inputFile = TemporaryFile("in")
    if let input {
        try inputFile.replace(with: input)
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputFile.path))
    }
    try process.run()
    process.waitUntilExit()
    try outHandle.close()
    return (process.terminationStatus, output.bytes)
}

/// CRC-32 (IEEE, as gzip uses), computed here independently of zlib.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for index in 0..<256 {
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        table[index] = value
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    return bytes
}

/// Text that looks like exported log rows: compressible, with long repeats and varied numbers.
func logLikeText(lines: Int) -> [UInt8] {
    var text = ""
    text.reserveCapacity(lines * 90)
    for line in 0..<lines {
        let status = ["HEALTHY", "WARNING", "ERROR", "UNKNOWN"][line % 7 % 4]
        text += "cl\(line * 7919 % 100_000)\tint\(line % 50)\t\(status)\t\\N\t\(line * 37 % 2000)\t2026-11-\(10 + line % 18) 10:15:00.\(line % 1000)\n"
    }
    return Array(text.utf8)
}
