/// An id the way the application makes them, unique by construction so millions of rows never
/// collide, and ordered by time like Prisma's ids so inserts land at the right edge of the index:
///
/// - text: cuid-like, `c` + 8 base-36 digits of the time + 4 of the counter + 12 random (25 characters);
/// - uuid: the version 7 layout, 48 bits of time, the counter in the next 20 bits, random after;
/// - integer: the sequence number.
///
/// `(timeMs, counter)` is unique within a table: counters are integration (or user) indexes and one
/// integration never has two checks in the same millisecond.
struct SeedIdentifier {
    var timeMs: Int64
    /// Below `SeedPlan.maxIntegrations`, so it fits 4 base-36 digits and 20 bits.
    var counter: Int
    var entropy: UInt64
    var sequence: Int64

    func write(_ type: HealthSchema.IdentifierType, into buffer: inout CopyRowBuffer) {
        let time = UInt64(max(0, timeMs))
        switch type {
        case .text:
            buffer.append(99)  // "c"
            buffer.appendBase36(time, width: 8)
            buffer.appendBase36(UInt64(counter), width: 4)
            buffer.appendBase36(entropy, width: 12)
        case .uuid:
            let counterBits = UInt64(counter)
            buffer.appendHex(time >> 16, digits: 8)
            buffer.append(45)
            buffer.appendHex(time, digits: 4)
            buffer.append(45)
            buffer.appendHex(0x7000 | (counterBits >> 8 & 0xFFF), digits: 4)
            buffer.append(45)
            buffer.appendHex(0x8000 | (counterBits & 0xFF) << 6 | (entropy & 0x3F), digits: 4)
            buffer.append(45)
            buffer.appendHex(entropy >> 6, digits: 12)
        case .integer:
            buffer.appendDecimal(sequence)
        }
    }

    func text(_ type: HealthSchema.IdentifierType) -> String {
        var buffer = CopyRowBuffer(capacity: 40)
        write(type, into: &buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }
}
