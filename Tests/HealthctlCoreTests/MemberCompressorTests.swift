import Foundation
import Gzip
import Testing

@testable import HealthctlCore

/// `MemberCompressor.drain`, which a prune that yields calls inside each unit so that the
/// compression of a unit's rows ends before its rest begins.
@Suite struct MemberCompressorTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-member-\(UUID().uuidString).gz").path

    func rows(_ range: Range<Int>) -> [UInt8] {
        Array(range.map { "log-\($0),int-\($0 % 7),HEALTHY,,120,2026-11-20T10:00:00Z\n" }.joined().utf8)
    }

    @Test func drainedRowsAreCompressedAndTheMemberHoldsEveryRowInOrder() throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer {
            close(descriptor)
            unlink(path)
        }
        let compressor = try MemberCompressor(fileDescriptor: descriptor, level: 6, header: nil, numericIds: false, path: path)
        // Past the block size, so several blocks are in flight when drain is called.
        let first = rows(0..<20_000)
        #expect(first.count > 1 << 18)
        #expect(first.withUnsafeBytes { compressor.submit($0) })
        #expect(compressor.drain())
        #expect(compressor.blocksInFlight == 0)
        // Drained: nothing is queued, and a second drain with nothing new returns at once.
        #expect(compressor.drain())
        #expect(rows(20_000..<20_010).withUnsafeBytes { compressor.submit($0) })
        let result = try compressor.finish()
        #expect(result.statistics.rows == 20_010)

        let reader = open(path, O_RDONLY)
        defer { close(reader) }
        var text: [UInt8] = []
        _ = try GzipReader(fileDescriptor: reader).read(onData: { text.append(contentsOf: $0) })
        #expect(text == rows(0..<20_010))
    }

    @Test func drainReturnsFalseOnceTheThreadHasFailed() throws {
        // A descriptor open for reading only: the first write of compressed bytes fails.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let descriptor = open(path, O_RDONLY)
        defer {
            close(descriptor)
            unlink(path)
        }
        let compressor = try MemberCompressor(fileDescriptor: descriptor, level: 1, header: nil, numericIds: false, path: path)
        // Random bytes do not compress, so zlib writes out long before the end.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(1 << 20)).map { _ in UInt8.random(in: 32...126, using: &generator) }
        _ = noise.withUnsafeBytes { compressor.submit($0) }
        #expect(!compressor.drain())
        #expect(throws: (any Error).self) { try compressor.finish() }
    }
}
