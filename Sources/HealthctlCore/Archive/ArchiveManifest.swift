import Foundation
import Gzip

/// The JSON file beside each archive file: what the file must contain, member by member.
///
/// Members are recorded `pending` (written and synced, delete not yet committed) before the
/// delete commits, and `committed` after; the next prune resolves any member left pending.
public struct ArchiveManifest: Codable, Sendable, Equatable {
    public static let currentFormat = 1

    public enum MemberState: String, Codable, Sendable {
        case pending, committed
    }

    /// One gzip member: one prune batch.
    public struct Member: Codable, Sendable, Equatable {
        public var offset: Int64
        public var compressedBytes: Int64
        public var uncompressedBytes: Int64
        public var crc32: UInt32
        public var rows: Int
        public var firstCheckedAt: String?
        public var lastCheckedAt: String?
        public var minId: String?
        public var maxId: String?
        public var state: MemberState
        /// For a member that holds a whole detached partition's rows of this day: that table
        /// (`"schema"."name"`). Its delete is the table's DROP, which recovery looks for.
        public var partition: String?

        public var end: Int64 { offset + compressedBytes }

        public init(gzip: GzipMember, statistics: RowStatistics, state: MemberState, partition: String? = nil) {
            offset = gzip.offset
            compressedBytes = gzip.compressedBytes
            uncompressedBytes = gzip.uncompressedBytes
            crc32 = gzip.crc32
            rows = statistics.rows
            firstCheckedAt = statistics.firstCheckedAt
            lastCheckedAt = statistics.lastCheckedAt
            minId = statistics.minId
            maxId = statistics.maxId
            self.state = state
            self.partition = partition
        }
    }

    public var format = currentFormat
    /// `healthctl 0.1.0`: the version that last wrote the file.
    public var tool: String
    public var table: String
    /// The UTC day of `checkedAt` the file holds, `2026-10-20`.
    public var day: String
    public var columns: [String]
    /// Ids compare as numbers (integer id columns) rather than as text in `minId`/`maxId`.
    public var numericIds: Bool
    public var rows: Int = 0
    public var firstCheckedAt: String?
    public var lastCheckedAt: String?
    public var minId: String?
    public var maxId: String?
    /// Size of the file up to the end of the last member, and the SHA-256 of those bytes.
    public var fileBytes: Int64 = 0
    public var sha256: String
    public var members: [Member] = []

    public init(day: String, numericIds: Bool) {
        tool = "healthctl \(healthctlVersion)"
        table = HealthSchema.logTableName
        self.day = day
        columns = ArchiveFormat.columns
        self.numericIds = numericIds
        sha256 = Self.emptySHA256
    }

    public static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public var hasPending: Bool { members.contains { $0.state == .pending } }

    /// Recomputes the file-level totals from the members.
    public mutating func updateTotals() {
        var total = RowStatistics(numericIds: numericIds)
        for member in members {
            total.merge(
                RowStatistics(
                    numericIds: numericIds, rows: member.rows, firstCheckedAt: member.firstCheckedAt,
                    lastCheckedAt: member.lastCheckedAt, minId: member.minId, maxId: member.maxId))
        }
        rows = total.rows
        firstCheckedAt = total.firstCheckedAt
        lastCheckedAt = total.lastCheckedAt
        minId = total.minId
        maxId = total.maxId
        fileBytes = members.last?.end ?? 0
    }

    public func encoded() throws -> [UInt8] {
        Array(try JSONOutput.encode(self).utf8) + [10]
    }

    public static func load(_ path: String) throws(ArchiveError) -> ArchiveManifest {
        let bytes = try ArchiveFiles.readAll(path)
        let manifest: ArchiveManifest
        do {
            manifest = try JSONDecoder().decode(ArchiveManifest.self, from: Data(bytes))
        } catch {
            throw .damaged(path: path, member: nil, problem: "manifest is not valid: \(error)")
        }
        // Names that could point anywhere else (`../`, a slash, a quote) are refused, whatever
        // later uses them.
        guard CalendarDay(text: manifest.day) != nil else {
            throw .damaged(path: path, member: nil, problem: "manifest names day \"\(manifest.day.prefix(40))\", which is not a date such as 2026-11-20")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard !manifest.table.isEmpty, manifest.table.count <= 63, manifest.table.allSatisfy(allowed.contains) else {
            throw .damaged(path: path, member: nil, problem: "manifest names table \"\(manifest.table.prefix(40))\", which is not a plain table name")
        }
        return manifest
    }

    /// Writes the manifest durably (temporary file, fsync, rename, directory fsync).
    public func save(_ path: String) throws(ArchiveError) {
        let bytes: [UInt8]
        do { bytes = try encoded() } catch { throw .damaged(path: path, member: nil, problem: "cannot encode manifest: \(error)") }
        try ArchiveFiles.replaceAtomically(path, with: bytes)
    }
}
