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
    private var pending: [UInt8] = []
    private var headerRead = false

    /// Milliseconds from 1970-01-01 to 2000-01-01, PostgreSQL's timestamp epoch.
    private static let postgresEpochMs: Int64 = 946_684_800_000
    private static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    init(index: IntegrationIndex) {
        self.index = index
        series = Array(repeating: CheckSeries(), count: index.count)
    }

    /// Hands over one integration's checks, leaving an empty series behind.
    mutating func takeSeries(at position: Int) -> CheckSeries {
        defer { series[position] = CheckSeries() }
        return series[position]
    }

    /// Takes the next chunk of COPY data; a row may span chunks.
    mutating func consume(_ chunk: UnsafeRawBufferPointer) throws {
        if pending.isEmpty {
            let used = try decode(chunk)
            if used < chunk.count { pending.append(contentsOf: chunk[used...]) }
        } else {
            pending.append(contentsOf: chunk)
            let data = pending
            let used = try data.withUnsafeBytes { try decode($0) }
            pending = Array(data[used...])
        }
    }

    /// Decodes every complete row in `bytes`; returns how many bytes they took.
    private mutating func decode(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        var position = 0
        if !headerRead {
            guard bytes.count >= 19 else { return 0 }
            guard bytes.prefix(11).elementsEqual(Self.signature) else { throw CheckCopyError.malformed("bad COPY signature") }
            let extensionLength = Int(int32(bytes, 15))
            guard bytes.count >= 19 + extensionLength else { return 0 }
            position = 19 + extensionLength
            headerRead = true
        }
        while true {
            let rowStart = position
            guard position + 2 <= bytes.count else { return rowStart }
            let fieldCount = Int16(bitPattern: UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self)))
            if fieldCount == -1 { return position + 2 }
            guard fieldCount == 5 else { throw CheckCopyError.malformed("expected 5 columns, got \(fieldCount)") }
            position += 2
            var offsets: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)
            var lengths: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)
            for field in 0..<5 {
                guard position + 4 <= bytes.count else { return rowStart }
                let length = Int(int32(bytes, position))
                position += 4
                let size = max(length, 0)
                guard position + size <= bytes.count else { return rowStart }
                switch field {
                case 0: offsets.0 = position; lengths.0 = length
                case 1: offsets.1 = position; lengths.1 = length
                case 2: offsets.2 = position; lengths.2 = length
                case 3: offsets.3 = position; lengths.3 = length
                default: offsets.4 = position; lengths.4 = length
                }
                position += size
            }
            guard lengths.0 >= 0, let integration = index.lookup(UnsafeRawBufferPointer(rebasing: bytes[offsets.0..<(offsets.0 + lengths.0)]))
            else { continue }
            guard lengths.2 == 8 else { throw CheckCopyError.malformed("checkedAt is NULL or not a timestamp") }
            let micros = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: offsets.2, as: Int64.self))
            let timeMs = floorDivMod(micros, 1000).quotient + Self.postgresEpochMs
            let status = Self.status(bytes, offset: offsets.1, length: lengths.1)
            let responseTime: Int32
            switch lengths.3 {
            case -1: responseTime = CheckSeries.noResponseTime
            case 2: responseTime = Int32(Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: offsets.3, as: Int16.self)))
            case 4: responseTime = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offsets.3, as: Int32.self))
            case 8: responseTime = Int32(clamping: Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: offsets.3, as: Int64.self)))
            default: throw CheckCopyError.malformed("responseTime is not an integer")
            }
            var message: Int32?
            if lengths.4 >= 0 {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offsets.4..<(offsets.4 + lengths.4)]), as: UTF8.self)
                message = messages.intern(text)
            }
            series[integration].append(timeMs: timeMs, status: status, responseTime: responseTime, message: message)
            rows += 1
        }
    }

    /// The status label; anything that is not one of the four labels counts as UNKNOWN.
    private static func status(_ bytes: UnsafeRawBufferPointer, offset: Int, length: Int) -> HealthStatus {
        guard length > 0 else { return .unknown }
        let candidate: HealthStatus
        switch bytes[offset] {
        case UInt8(ascii: "H"): candidate = .healthy
        case UInt8(ascii: "E"): candidate = .error
        case UInt8(ascii: "W"): candidate = .warning
        default: return .unknown
        }
        let label = candidate.rawValue.utf8
        guard length == label.count, UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]).elementsEqual(label) else {
            return .unknown
        }
        return candidate
    }

    private func int32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
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
