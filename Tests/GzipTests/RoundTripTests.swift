import Foundation
import Gzip
import Testing

@Suite struct RoundTripTests {
    @Test func twoMembersReadBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString).gz").path
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        defer { unlink(path) }
        let writer = try GzipWriter(fileDescriptor: fd)
        try writer.write("first\n")
        let first = try writer.finishMember()
        try writer.write("second\n")
        let second = try writer.finishMember()
        try writer.sync()
        close(fd)
        #expect(second.offset == first.offset + first.compressedBytes)
        let readFD = open(path, O_RDONLY)
        defer { close(readFD) }
        var text = ""
        let members = try GzipReader(fileDescriptor: readFD).read(onData: { text += String(decoding: $0, as: UTF8.self) })
        #expect(text == "first\nsecond\n")
        #expect(members == [first, second])
    }
}
