import Foundation
import Gzip
import Testing

/// Damaged input must be reported precisely: which member, where it starts, and why.
@Suite struct GzipDamageTests {
    /// Two members of compressible text; the second starts at `members[1].offset`.
    let bytes: [UInt8]
    let members: [GzipMember]

    init() throws {
        let file = TemporaryFile()
        members = try file.writeMembers([logLikeText(lines: 2_000), logLikeText(lines: 3_000)])
        bytes = file.bytes
    }

    func flipping(_ index: Int) -> [UInt8] {
        var copy = bytes
        copy[index] ^= 0x55
        return copy
    }

    /// End (exclusive) of member `index` in the file.
    func end(_ index: Int) -> Int { Int(members[index].offset + members[index].compressedBytes) }

    @Test(arguments: [0, 1])
    func flippedDeflateByteIsACorruptMember(member: Int) throws {
        let middle = Int(members[member].offset) + Int(members[member].compressedBytes) / 2
        let corrupt = try #require(corruptMember(try readError(flipping(middle))))
        #expect(corrupt.member == member)
        #expect(corrupt.offset == members[member].offset)
    }

    @Test func flippedCRCIsACorruptMemberNamingTheCRC() throws {
        let corrupt = try #require(corruptMember(try readError(flipping(end(0) - 8))))
        #expect(corrupt.member == 0)
        #expect(corrupt.offset == 0)
        #expect(corrupt.reason.contains("CRC-32"))
    }

    @Test func flippedLengthIsACorruptMemberNamingTheLength() throws {
        let corrupt = try #require(corruptMember(try readError(flipping(end(1) - 2))))
        #expect(corrupt.member == 1)
        #expect(corrupt.offset == members[1].offset)
        #expect(corrupt.reason.contains("length"))
    }

    @Test(arguments: [1, 2, 5, 10, 11, 300, -9, -8, -4, -1])
    func truncationIsReportedForTheMemberItHits(cut: Int) throws {
        for member in 0..<2 {
            let start = Int(members[member].offset)
            let length = cut > 0 ? start + cut : end(member) + cut
            let error = try readError(Array(bytes[..<length]))
            #expect(error == .truncated(member: member, offset: members[member].offset), "cut \(cut) in member \(member)")
        }
    }

    @Test func textAfterTheLastMemberIsTrailingGarbage() throws {
        #expect(try readError(bytes + Array("hello\n".utf8)) == .trailingGarbage(offset: Int64(bytes.count)))
        #expect(try readError(bytes + [0x1f, 0x00, 0x01]) == .trailingGarbage(offset: Int64(bytes.count)))
        #expect(try readError(bytes + [UInt8](repeating: 0, count: 512)) == .trailingGarbage(offset: Int64(bytes.count)))
    }

    @Test func aBadHeaderAfterTheMagicIsACorruptThirdMember() throws {
        let corrupt = try #require(corruptMember(try readError(bytes + [0x1f, 0x8b, 0x00, 0x00, 0, 0, 0, 0, 0, 3, 1, 2, 3])))
        #expect(corrupt.member == 2)
        #expect(corrupt.offset == Int64(bytes.count))
    }

    @Test(arguments: ["COPY 42\n", "PK\u{03}\u{04}zip", "\u{1f}"])
    func inputThatIsNotGzip(text: String) throws {
        let error = try readError(Array(text.utf8))
        if text == "\u{1f}" {
            // A lone first magic byte is the start of a member that was cut short.
            #expect(error == .truncated(member: 0, offset: 0))
        } else {
            #expect(error == .corruptMember(member: 0, offset: 0, reason: "not in gzip format"))
        }
    }

    @Test func descriptionsNameMemberAndOffset() {
        #expect(GzipError.truncated(member: 3, offset: 1234).description == "gzip member 3 at byte 1234 is truncated")
        #expect(GzipError.trailingGarbage(offset: 9).description == "data after the last gzip member at byte 9 is not gzip")
    }
}

@Suite struct GzipWriterErrorTests {
    @Test func writingToAReadOnlyDescriptorFailsWithEBADF() throws {
        let file = TemporaryFile()
        try file.replace(with: [])
        let fd = open(file.path, O_RDONLY)
        defer { close(fd) }
        let writer = try GzipWriter(fileDescriptor: fd)
        #expect(throws: GzipError.system(operation: "write", errno: EBADF)) {
            try writer.write(Array("data".utf8))
            try writer.finishMember()
        }
    }

    @Test func aFullDiskIsRecognisedAndTheWriterStaysFailed() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0, "/dev/full is needed for this test")
        defer { close(fd) }
        let writer = try GzipWriter(fileDescriptor: fd)
        var caught: GzipError?
        do {
            try writer.write(randomBytes(1 << 20, seed: 5))
            try writer.finishMember()
        } catch let error as GzipError {
            caught = error
        }
        let error = try #require(caught)
        #expect(error.isDiskFull)
        #expect(error == .system(operation: "write", errno: ENOSPC))
        #expect(error.description == "write failed: No space left on device")
        // The member on disk is incomplete: later calls must not write after the gap.
        #expect(throws: error) { try writer.write(Array("more".utf8)) }
        #expect(throws: error) { try writer.finishMember() }
    }

    @Test func otherErrorsAreNotDiskFull() {
        #expect(!GzipError.system(operation: "write", errno: EBADF).isDiskFull)
        #expect(!GzipError.truncated(member: 0, offset: 0).isDiskFull)
    }

    @Test func finishMemberWithoutDataWritesAnEmptyMember() throws {
        let file = TemporaryFile()
        let fd = open(file.path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        defer { close(fd) }
        let writer = try GzipWriter(fileDescriptor: fd)
        #expect(!writer.hasUnfinishedData)
        try writer.write(Array("x".utf8))
        #expect(writer.hasUnfinishedData)
        let first = try writer.finishMember()
        let empty = try writer.finishMember()
        #expect(!writer.hasUnfinishedData)
        #expect(empty.offset == first.compressedBytes)
        #expect(empty.uncompressedBytes == 0)
        #expect(empty.crc32 == 0)
        #expect(writer.bytesWritten == first.compressedBytes + empty.compressedBytes)
        #expect(try file.readMembers().data == [Array("x".utf8), []])
    }
}
