/// Splits the output of `COPY ... TO STDOUT (FORMAT binary)` into rows of fields, as it arrives
/// in chunks of any size.
public struct BinaryCopyParser: Sendable {
    private let columns: Int
    private var pending: [UInt8] = []
    private var headerRead = false
    private var offsets: [Int]
    private var lengths: [Int]

    private static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    public init(columns: Int) {
        self.columns = columns
        offsets = Array(repeating: 0, count: columns)
        lengths = Array(repeating: 0, count: columns)
    }

    /// Takes the next chunk and calls `row` for every row it completes.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer, row: (BinaryCopyRow) throws -> Void) throws {
        if pending.isEmpty {
            let used = try parse(chunk, row: row)
            if used < chunk.count { pending.append(contentsOf: chunk[used...]) }
        } else {
            pending.append(contentsOf: chunk)
            let data = pending
            let used = try data.withUnsafeBytes { try parse($0, row: row) }
            pending = Array(data[used...])
        }
    }

    /// Parses the complete rows in `bytes`; returns how many bytes they took.
    private mutating func parse(_ bytes: UnsafeRawBufferPointer, row: (BinaryCopyRow) throws -> Void) throws -> Int {
        var position = 0
        if !headerRead {
            guard bytes.count >= 19 else { return 0 }
            guard bytes.prefix(11).elementsEqual(Self.signature) else { throw BinaryCopyError.malformed("bad COPY signature") }
            let extensionLength = Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 15, as: Int32.self)))
            guard extensionLength >= 0, bytes.count >= 19 + extensionLength else { return 0 }
            position = 19 + extensionLength
            headerRead = true
        }
        while true {
            let rowStart = position
            guard position + 2 <= bytes.count else { return rowStart }
            let fieldCount = Int(Int16(bitPattern: UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self))))
            if fieldCount == -1 { return position + 2 }
            guard fieldCount == columns else { throw BinaryCopyError.malformed("expected \(columns) columns, got \(fieldCount)") }
            position += 2
            for field in 0..<columns {
                guard position + 4 <= bytes.count else { return rowStart }
                let length = Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int32.self)))
                position += 4
                let size = max(length, 0)
                guard position + size <= bytes.count else { return rowStart }
                offsets[field] = position
                lengths[field] = length
                position += size
            }
            try offsets.withUnsafeBufferPointer { offsets in
                try lengths.withUnsafeBufferPointer { lengths in
                    try row(BinaryCopyRow(bytes: bytes, offsets: offsets, lengths: lengths))
                }
            }
        }
    }
}

/// One row of binary COPY output; valid only inside the callback that receives it.
public struct BinaryCopyRow {
    let bytes: UnsafeRawBufferPointer
    let offsets: UnsafeBufferPointer<Int>
    let lengths: UnsafeBufferPointer<Int>

    /// The field's bytes; nil for NULL.
    public func field(_ index: Int) -> UnsafeRawBufferPointer? {
        let length = lengths[index]
        guard length >= 0 else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offsets[index]..<(offsets[index] + length)])
    }

    /// The field's length in bytes; -1 for NULL.
    public func length(_ index: Int) -> Int { lengths[index] }

    /// A big-endian integer field of 2, 4 or 8 bytes; nil for NULL or another width.
    public func integer(_ index: Int) -> Int64? {
        let offset = offsets[index]
        switch lengths[index] {
        case 2: return Int64(Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case 4: return Int64(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case 8: return Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        default: return nil
        }
    }

    /// A `timestamp` or `timestamptz` field as milliseconds since 1970 (rounded down); nil for NULL.
    public func timestampMilliseconds(_ index: Int) -> Int64? {
        guard lengths[index] == 8 else { return nil }
        let micros = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: offsets[index], as: Int64.self))
        return floorDivMod(micros, 1000).quotient + Self.postgresEpochMs
    }

    /// A `date` field as days since 1970; nil for NULL.
    public func dateDays(_ index: Int) -> Int64? {
        guard lengths[index] == 4 else { return nil }
        return Int64(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offsets[index], as: Int32.self))) + Self.postgresEpochDays
    }

    /// A text field; nil for NULL.
    public func string(_ index: Int) -> String? { field(index).map { String(decoding: $0, as: UTF8.self) } }

    /// Milliseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
    static let postgresEpochMs: Int64 = 946_684_800_000
    static let postgresEpochDays: Int64 = 10_957
}

public enum BinaryCopyError: Error, Sendable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case let .malformed(what): return "unexpected binary COPY data (\(what))"
        }
    }
}
