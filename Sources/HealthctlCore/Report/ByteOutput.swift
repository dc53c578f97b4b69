/// The bytes a renderer gathers before it hands them to its `TextSink`, written through a pointer
/// it owns. A year's JSON report makes hundreds of millions of small appends (keys, indentation,
/// digits): the uniqueness and capacity checks an `Array` makes on each were most of its time.
/// Not copyable, so the buffer has one owner, which frees it.
struct ByteOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = TextSink.pieceBytes + 4096) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes and returns where they go.
    @inline(__always)
    private mutating func room(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(toHold: count + extra) }
        return base + count
    }

    private mutating func grow(toHold needed: Int) {
        let larger = max(needed, 2 * capacity)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        room(1).initialize(to: byte)
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress, !bytes.isEmpty else { return }
        room(bytes.count).initialize(from: from, count: bytes.count)
        count += bytes.count
    }

    /// Literal ASCII text, copied without going through `String`.
    @inline(__always)
    mutating func append(_ text: StaticString) {
        guard text.hasPointerRepresentation else { return text.withUTF8Buffer { append($0) } }
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    mutating func append(repeating byte: UInt8, count repeats: Int) {
        guard repeats > 0 else { return }
        room(repeats).initialize(repeating: byte, count: repeats)
        count += repeats
    }

    /// Decimal digits, written straight into place.
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var bound: UInt64 = 10
        while digits < 20, magnitude >= bound {
            digits += 1
            bound = bound.multipliedReportingOverflow(by: 10).partialValue
        }
        let start = room(digits)
        for position in stride(from: digits - 1, through: 0, by: -1) {
            start[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        count += digits
    }

    /// The bytes so far, as text (the renderers write only whole UTF-8 characters).
    var text: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Appends what `other` holds.
    mutating func append(contentsOf other: borrowing ByteOutput) {
        append(UnsafeBufferPointer(start: other.base, count: other.count))
    }

    /// Starts over, keeping the room.
    mutating func removeAll() { count = 0 }

    /// Hands the bytes so far to `sink` and starts over, keeping the room.
    mutating func emit(to sink: TextSink) {
        guard count > 0 else { return }
        sink.emit(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }
}
