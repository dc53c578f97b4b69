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

        public var end: Int64 { offset + compressedBytes }

        public init(gzip: GzipMember, statistics: RowStatistics, state: MemberState) {
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self)) + [10]
    }

    public static func load(_ path: String) throws(ArchiveError) -> ArchiveManifest {
        let bytes = try ArchiveFiles.readAll(path)
        do {
            return try JSONDecoder().decode(ArchiveManifest.self, from: Data(bytes))
        } catch {
            throw .damaged(path: path, member: nil, problem: "manifest is not valid: \(error)")
        }
    }

    /// Writes the manifest durably (temporary file, fsync, rename, directory fsync).
    public func save(_ path: String) throws(ArchiveError) {
        let bytes: [UInt8]
        do { bytes = try encoded() } catch { throw .damaged(path: path, member: nil, problem: "cannot encode manifest: \(error)") }
        try ArchiveFiles.replaceAtomically(path, with: bytes)
    }
}

/// Row count, `checkedAt` range and id range of some archived rows.
public struct RowStatistics: Sendable, Equatable {
    public var numericIds: Bool
    public var rows = 0
    public var firstCheckedAt: String?
    public var lastCheckedAt: String?
    public var minId: String?
    public var maxId: String?

    public init(numericIds: Bool, rows: Int = 0, firstCheckedAt: String? = nil, lastCheckedAt: String? = nil, minId: String? = nil, maxId: String? = nil) {
        self.numericIds = numericIds
        self.rows = rows
        self.firstCheckedAt = firstCheckedAt
        self.lastCheckedAt = lastCheckedAt
        self.minId = minId
        self.maxId = maxId
    }

    public mutating func merge(_ other: RowStatistics) {
        rows += other.rows
        firstCheckedAt = Self.pick(firstCheckedAt, other.firstCheckedAt) { ArchiveFormat.checkedAtPrecedes($0.utf8, $1.utf8) }
        lastCheckedAt = Self.pick(lastCheckedAt, other.lastCheckedAt) { ArchiveFormat.checkedAtPrecedes($1.utf8, $0.utf8) }
        minId = Self.pick(minId, other.minId) { Self.idPrecedes($0, $1, numeric: numericIds) }
        maxId = Self.pick(maxId, other.maxId) { Self.idPrecedes($1, $0, numeric: numericIds) }
    }

    private static func pick(_ a: String?, _ b: String?, better: (String, String) -> Bool) -> String? {
        guard let a else { return b }
        guard let b else { return a }
        return better(b, a) ? b : a
    }

    /// Integer ids by value, all others by their UTF-8 bytes.
    static func idPrecedes(_ a: String, _ b: String, numeric: Bool) -> Bool {
        if numeric, let x = Int64(a), let y = Int64(b) { return x < y }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

/// Collects `RowStatistics` from CSV records in archive column order, cheaply enough for the
/// prune's hot path: it compares raw bytes and makes strings only at the end.
struct RowStatisticsCollector {
    let numericIds: Bool
    private(set) var rows = 0
    private var first: [UInt8] = []
    private var last: [UInt8] = []
    private var minId: [UInt8] = []
    private var maxId: [UInt8] = []
    private var minNumber = Int64.max
    private var maxNumber = Int64.min
    /// `scan` state: an unfinished record carried to the next buffer.
    private var carried: [UInt8] = []

    init(numericIds: Bool) { self.numericIds = numericIds }

    /// Adds one parsed record (the reader has already unquoted its fields).
    mutating func add(_ record: CSVRecord) {
        let id = Array(record.bytes(ArchiveFormat.idColumn))
        let checkedAt = Array(record.bytes(ArchiveFormat.checkedAtColumn))
        id.withUnsafeBytes { idBytes in checkedAt.withUnsafeBytes { addRow(id: idBytes, checkedAt: $0) } }
    }

    /// Adds the records of raw CSV output without building them: only the first field (`id`)
    /// and the last (`checkedAt`) are looked at. Throws when a record does not have the archive's
    /// column count. A record split across buffers is carried over.
    mutating func scan(_ buffer: UnsafeRawBufferPointer) throws {
        if !carried.isEmpty {
            let joined = carried + Array(buffer)
            carried = []
            try joined.withUnsafeBytes { try scanWhole($0) }
        } else {
            try scanWhole(buffer)
        }
    }

    /// True when no record is half scanned.
    var isAtRecordBoundary: Bool { carried.isEmpty }

    private mutating func scanWhole(_ buffer: UnsafeRawBufferPointer) throws(CSVProblem) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        var recordStart = 0
        var firstComma = -1
        var lastComma = -1
        var commas = 0
        var inQuotes = false
        for index in 0..<buffer.count {
            let byte = buffer[index]
            if inQuotes {
                if byte == quote { inQuotes = false }
                continue
            }
            if byte == quote {
                inQuotes = true
            } else if byte == comma {
                if firstComma < 0 { firstComma = index }
                lastComma = index
                commas += 1
            } else if byte == newline {
                guard commas == ArchiveFormat.columns.count - 1 else {
                    throw CSVProblem(record: rows + 1, reason: "\(commas + 1) fields, expected \(ArchiveFormat.columns.count)")
                }
                var end = index
                if end > lastComma + 1, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let id = UnsafeRawBufferPointer(rebasing: buffer[recordStart..<firstComma])
                let checkedAt = UnsafeRawBufferPointer(rebasing: buffer[(lastComma + 1)..<end])
                if id.first == quote {
                    // A quoted id (it holds a comma or quote): unquote it the slow way.
                    var reader = CSVReader()
                    var fields: [UInt8] = []
                    try? reader.feed(UnsafeRawBufferPointer(rebasing: buffer[recordStart...index])) { fields = Array($0.bytes(ArchiveFormat.idColumn)) }
                    fields.withUnsafeBytes { addRow(id: $0, checkedAt: checkedAt) }
                } else {
                    addRow(id: id, checkedAt: checkedAt)
                }
                recordStart = index + 1
                firstComma = -1
                lastComma = -1
                commas = 0
            }
        }
        if recordStart < buffer.count { carried = Array(buffer[recordStart...]) }
    }

    private mutating func addRow(id: UnsafeRawBufferPointer, checkedAt: UnsafeRawBufferPointer) {
        if rows == 0 {
            first = Array(checkedAt)
            last = first
        } else {
            if ArchiveFormat.checkedAtPrecedes(checkedAt, first) { first = Array(checkedAt) }
            if ArchiveFormat.checkedAtPrecedes(last, checkedAt) { last = Array(checkedAt) }
        }
        if numericIds, let value = Int64(String(decoding: id, as: UTF8.self)) {
            minNumber = min(minNumber, value)
            maxNumber = max(maxNumber, value)
        } else if !numericIds {
            if rows == 0 {
                minId = Array(id)
                maxId = minId
            } else {
                if id.lexicographicallyPrecedes(minId) { minId = Array(id) }
                if maxId.lexicographicallyPrecedes(id) { maxId = Array(id) }
            }
        }
        rows += 1
    }

    var statistics: RowStatistics {
        guard rows > 0 else { return RowStatistics(numericIds: numericIds) }
        let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
        return RowStatistics(
            numericIds: numericIds, rows: rows, firstCheckedAt: text(first), lastCheckedAt: text(last),
            minId: numericIds ? String(minNumber) : text(minId), maxId: numericIds ? String(maxNumber) : text(maxId))
    }
}
