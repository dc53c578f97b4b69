import Foundation
import Gzip
import Testing

@Suite struct GzipRoundTripTests {
    enum Payload: String, CaseIterable, CustomTestStringConvertible {
        case empty, small, randomSeveralMB, textSeveralMB

        var bytes: [UInt8] {
            switch self {
            case .empty: return []
            case .small: return Array("first line\nsecond line with ünïcödé ✓\n".utf8)
            case .randomSeveralMB: return randomBytes(3 << 20, seed: 42)
            case .textSeveralMB: return logLikeText(lines: 70_000)
            }
        }

        var testDescription: String { rawValue }
    }

    @Test(arguments: Payload.allCases)
    func oneMemberRoundTrips(_ payload: Payload) throws {
        let data = payload.bytes
        let file = TemporaryFile()
        let written = try file.writeMembers([data], sliceSize: 100_003)
        let read = try file.readMembers()

        #expect(read.data == [data])
        #expect(read.members == written)
        let member = try #require(written.first)
        #expect(member.offset == 0)
        #expect(member.compressedBytes == Int64(file.bytes.count))
        #expect(member.uncompressedBytes == Int64(data.count))
        #expect(member.crc32 == referenceCRC32(data))
        if payload == .textSeveralMB { #expect(member.compressedBytes * 5 < member.uncompressedBytes) }
    }

    @Test func membersAreReadOneByOneWithOffsetsLengthsAndCRCs() throws {
        let parts = [logLikeText(lines: 5_000), [], randomBytes(200_000, seed: 7), Array("last\n".utf8)]
        let file = TemporaryFile()
        let written = try file.writeMembers(parts, sliceSize: 4_096)
        let read = try file.readMembers()

        #expect(read.data == parts)
        #expect(read.members == written)
        var expectedOffset: Int64 = 0
        for (member, part) in zip(read.members, parts) {
            #expect(member.offset == expectedOffset)
            #expect(member.uncompressedBytes == Int64(part.count))
            #expect(member.crc32 == referenceCRC32(part))
            expectedOffset += member.compressedBytes
        }
        #expect(expectedOffset == Int64(file.bytes.count))
    }

    @Test func stringsWrittenAsTwoMembersReadBackInOrder() throws {
        let file = TemporaryFile()
        let fd = open(file.path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let writer = try GzipWriter(fileDescriptor: fd)
        try writer.write("first\n")
        let first = try writer.finishMember()
        try writer.write("second\n")
        let second = try writer.finishMember()
        try writer.sync()
        #expect(second.offset == first.offset + first.compressedBytes)

        let readFD = open(file.path, O_RDONLY)
        try #require(readFD >= 0)
        defer { close(readFD) }
        var text = ""
        let members = try GzipReader(fileDescriptor: readFD).read(onData: { text += String(decoding: $0, as: UTF8.self) })
        #expect(text == "first\nsecond\n")
        #expect(members == [first, second])
    }

    /// One writer and one reader carry their zlib stream through many members and large calls.
    @Test func manyLargeMembersThroughOneWriterAndOneReader() throws {
        let parts = (0..<24).map { index in
            index.isMultiple(of: 2) ? randomBytes(300_000 + index * 1_000, seed: UInt64(index + 1)) : logLikeText(lines: 3_000 + index * 100)
        }
        let file = TemporaryFile()
        let written = try file.writeMembers(parts, sliceSize: 1 << 20)
        let read = try file.readMembers()

        #expect(parts.reduce(0) { $0 + $1.count } > 4 << 20)
        #expect(read.data == parts)
        #expect(read.members == written)
        #expect(read.members.map(\.crc32) == parts.map(referenceCRC32))
        #expect(read.members.reduce(0) { $0 + $1.compressedBytes } == Int64(file.bytes.count))
    }

    @Test func aReaderReadsAgainAfterAFailedRead() throws {
        struct Stop: Error {}
        let parts = [logLikeText(lines: 8_000), randomBytes(200_000, seed: 9)]
        let file = TemporaryFile()
        let written = try file.writeMembers(parts)
        let fd = open(file.path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let reader = try GzipReader(fileDescriptor: fd)
        #expect(throws: Stop.self) {
            try reader.read(onData: { _ in throw Stop() })
        }

        try #require(lseek(fd, 0, SEEK_SET) == 0)
        var data: [UInt8] = []
        let members = try reader.read(onData: { data.append(contentsOf: $0) })
        #expect(members == written)
        #expect(data == parts.flatMap { $0 })
    }

    @Test func offsetsAreFilePositionsWhenTheMembersFollowOtherBytes() throws {
        let prefix = Array("not gzip: a header of 31 bytes\n".utf8)
        let file = TemporaryFile()
        let written = try file.writeMembers([Array("a\n".utf8), Array("b\n".utf8)], prefix: prefix)
        #expect(written.map(\.offset) == [31, 31 + written[0].compressedBytes])

        let read = try file.readMembers(from: off_t(prefix.count))
        #expect(read.members == written)
        #expect(read.data == [Array("a\n".utf8), Array("b\n".utf8)])
    }

    @Test func writerOutputDecompressesWithGzip() throws {
        let parts = [logLikeText(lines: 20_000), randomBytes(300_000, seed: 3), Array("tail\n".utf8)]
        let file = TemporaryFile()
        _ = try file.writeMembers(parts)

        let result = try runTool(["gzip", "-dc"], input: file.bytes)
        #expect(result.status == 0)
        #expect(result.output == parts.flatMap { $0 })
    }

    @Test func gzipOutputIsReadIncludingConcatenatedMembers() throws {
        let first = logLikeText(lines: 3_000)
        let second = randomBytes(150_000, seed: 11)
        let firstCompressed = try runTool(["gzip", "-c", "-9"], input: first)
        let secondCompressed = try runTool(["gzip", "-c", "-1"], input: second)
        #expect(firstCompressed.status == 0 && secondCompressed.status == 0)

        let file = TemporaryFile()
        try file.replace(with: firstCompressed.output + secondCompressed.output)
        let read = try file.readMembers()

        #expect(read.data == [first, second])
        #expect(read.members.map(\.offset) == [0, Int64(firstCompressed.output.count)])
        #expect(read.members.map(\.compressedBytes) == [Int64(firstCompressed.output.count), Int64(secondCompressed.output.count)])
        #expect(read.members.map(\.crc32) == [referenceCRC32(first), referenceCRC32(second)])
    }

    @Test func gzipOutputWithAFileNameHeaderIsRead() throws {
        // `gzip` without -n stores the file name (FNAME) in the header; the reader must skip it.
        let source = TemporaryFile("txt")
        let text = Array("named member\n".utf8)
        try source.replace(with: text)
        let result = try runTool(["gzip", "-c", "--name", source.path])
        #expect(result.status == 0)
        #expect(result.output[3] & 0x08 != 0, "FNAME flag set")

        let file = TemporaryFile()
        try file.replace(with: result.output)
        #expect(try file.readMembers().data == [text])
    }

    @Test func readsFromAPipe() throws {
        let data = logLikeText(lines: 10_000)
        let compressed = try runTool(["gzip", "-c"], input: data).output
        let pipe = Pipe()
        let writer = Thread {
            pipe.fileHandleForWriting.write(Data(compressed))
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let read = try readAll(fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        #expect(read.data == [data])
        #expect(read.members.first?.offset == 0)
        #expect(read.members.first?.compressedBytes == Int64(compressed.count))
    }

    @Test func emptyFileHasNoMembers() throws {
        let file = TemporaryFile()
        try file.replace(with: [])
        #expect(try file.readMembers().members.isEmpty)
    }

    @Test func callbackErrorsPropagate() throws {
        struct Stop: Error {}
        let file = TemporaryFile()
        _ = try file.writeMembers([Array("a".utf8), Array("b".utf8)])
        let fd = open(file.path, O_RDONLY)
        defer { close(fd) }
        var ended = 0
        #expect(throws: Stop.self) {
            try GzipReader(fileDescriptor: fd).read(onData: { _ in }, onMemberEnd: { _ in
                ended += 1
                throw Stop()
            })
        }
        #expect(ended == 1)
    }
}
