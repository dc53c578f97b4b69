import Gzip

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the CSV records of an archive file member by member, verifying gzip CRCs and lengths.
enum ArchiveRecords {
    /// Stops reading after the first member when asked.
    private struct StopAfterMember: Error {}

    /// - Parameters:
    ///   - offset: where to start; the header record is reported only for a member at offset 0.
    ///   - onRecord: each record with the index of its member (counted from the start offset) and
    ///     whether it is the header line.
    ///   - onMemberEnd: each complete member; return false to stop reading.
    static func read(
        path: String, descriptor: Int32, from offset: Int64 = 0,
        onRecord: (CSVRecord, _ member: Int, _ isHeader: Bool) throws -> Void,
        onMemberEnd: (GzipMember, _ member: Int) throws -> Bool
    ) throws {
        guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else { throw ArchiveError.cannotRead(path: path, errno: errno) }
        var reader = CSVReader()
        var member = 0
        var recordsBeforeMember = 0
        var recordsSeen = 0
        do {
            try GzipReader(fileDescriptor: descriptor).read(
                onData: { chunk in
                    do {
                        try reader.feed(chunk) { record in
                            recordsSeen += 1
                            let isHeader = offset == 0 && member == 0 && recordsSeen == 1
                            try onRecord(record, member, isHeader)
                        }
                    } catch let problem as CSVProblem {
                        throw ArchiveError.damaged(path: path, member: member, problem: "record \(problem.record - recordsBeforeMember): \(problem.reason)")
                    }
                },
                onMemberEnd: { gzip in
                    let index = member
                    guard reader.isAtRecordBoundary else {
                        throw ArchiveError.damaged(path: path, member: index, problem: "the member ends inside a CSV record")
                    }
                    recordsBeforeMember = recordsSeen
                    member += 1
                    let next = try onMemberEnd(GzipMember(offset: gzip.offset + offset, compressedBytes: gzip.compressedBytes, uncompressedBytes: gzip.uncompressedBytes, crc32: gzip.crc32), index)
                    if !next { throw StopAfterMember() }
                })
        } catch is StopAfterMember {
            return
        } catch let error as GzipError {
            switch error {
            case let .system(_, code): throw ArchiveError.cannotRead(path: path, errno: code)
            case let .corruptMember(index, _, reason): throw ArchiveError.damaged(path: path, member: index, problem: "gzip data is corrupt: \(reason)")
            case let .truncated(index, _): throw ArchiveError.damaged(path: path, member: index, problem: "gzip member is truncated")
            case let .trailingGarbage(at): throw ArchiveError.damaged(path: path, member: nil, problem: "bytes after the last gzip member (at byte \(at + offset)) are not gzip")
            case .zlib: throw ArchiveError.damaged(path: path, member: member, problem: error.description)
            }
        }
    }
}
