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
    /// and the last (`checkedAt`) are looked at. (`CSVReader` unquotes every field of every
    /// record; this runs on prune's hot path, over the server's own output, so it stays beside it.) Throws when a record does not have the archive's
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
