import Foundation
import PostgresClient

/// Decodes `COPY (SELECT integrationId::text, status, checkedAt, responseTime, errorMessage) TO STDOUT
/// (FORMAT binary)` straight from the bytes into per-integration `CheckSeries`, with no per-row
/// string work except for the (rare) error messages.
struct CheckCopyDecoder {
    private let index: IntegrationIndex
    private(set) var series: [CheckSeries]
    private(set) var messages = MessageTable()
    private(set) var rows = 0
    private var parser = BinaryCopyParser(columns: 5)

    init(index: IntegrationIndex) {
        self.index = index
        series = Array(repeating: CheckSeries(), count: index.count)
    }

    /// Hands over one integration's checks, leaving an empty series behind.
    mutating func takeSeries(at position: Int) -> CheckSeries {
        defer { series[position] = CheckSeries() }
        return series[position]
    }

    /// Readies the decoder for the next COPY statement: its rows add to those already decoded.
    mutating func startStream() {
        parser = BinaryCopyParser(columns: 5)
    }

    /// Takes the next chunk of COPY data; a row may span chunks.
    mutating func consume(_ chunk: UnsafeRawBufferPointer) throws {
        // The parser is moved out while it calls back into `self` (a copy would share its buffers
        // and copy them on every row).
        var parser = BinaryCopyParser(columns: 0)
        swap(&parser, &self.parser)
        defer { swap(&parser, &self.parser) }
        try parser.consume(chunk) { row in try add(row) }
    }

    private mutating func add(_ row: BinaryCopyRow) throws {
        guard let id = row.field(0), let integration = index.lookup(id) else { return }
        guard let timeMs = row.timestampMilliseconds(2) else { throw CheckCopyError.malformed("checkedAt is NULL or not a timestamp") }
        let responseTime: Int32
        if row.length(3) < 0 {
            responseTime = CheckSeries.noResponseTime
        } else if let value = row.integer(3) {
            responseTime = Int32(clamping: value)
        } else {
            throw CheckCopyError.malformed("responseTime is not an integer")
        }
        let message = row.field(4).map { messages.intern(String(decoding: $0, as: UTF8.self)) }
        series[integration].append(timeMs: timeMs, status: Self.status(row.field(1)), responseTime: responseTime, message: message)
        rows += 1
    }

    /// The status label; anything that is not one of the four labels counts as UNKNOWN.
    private static func status(_ bytes: UnsafeRawBufferPointer?) -> HealthStatus {
        guard let bytes, let first = bytes.first else { return .unknown }
        let candidate: HealthStatus
        switch first {
        case UInt8(ascii: "H"): candidate = .healthy
        case UInt8(ascii: "E"): candidate = .error
        case UInt8(ascii: "W"): candidate = .warning
        default: return .unknown
        }
        return bytes.elementsEqual(candidate.rawValue.utf8) ? candidate : .unknown
    }
}

enum CheckCopyError: Error, Sendable {
    case malformed(String)
}

/// Integration ids to their position, looked up by raw UTF-8 bytes (open addressing, FNV-1a).
struct IntegrationIndex: Sendable {
    private let keys: [[UInt8]]
    private let slots: [Int32]
    private let mask: Int

    init(ids: [String]) {
        keys = ids.map { Array($0.utf8) }
        var size = 16
        while size < ids.count * 2 { size *= 2 }
        mask = size - 1
        var slots = [Int32](repeating: -1, count: size)
        for (position, key) in keys.enumerated() {
            var slot = key.withUnsafeBytes { Self.hash($0) } & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(position)
        }
        self.slots = slots
    }

    var count: Int { keys.count }

    func lookup(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Self.hash(bytes) & mask
        while true {
            let position = Int(slots[slot])
            if position < 0 { return nil }
            let key = keys[position]
            if key.count == bytes.count, bytes.isEmpty || key.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return position
            }
            slot = (slot + 1) & mask
        }
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash >> 1)
    }
}
