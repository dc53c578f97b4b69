/// Writes the variable-length integers (LEB128) of the rollup encodings.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A latency summary: count and invalid, then (with a count) min, the mean's bits, the four
    /// percentiles and max.
    mutating func summary(_ summary: LatencySummary) {
        unsigned(UInt64(summary.count))
        unsigned(UInt64(summary.invalid))
        guard summary.count > 0 else { return }
        unsigned(UInt64(summary.min ?? 0))
        unsigned((summary.mean ?? 0).bitPattern)
        for value in [summary.p50, summary.p90, summary.p95, summary.p99, summary.max] { unsigned(UInt64(value ?? 0)) }
    }

    /// Values as deltas from the previous one (they ascend), then the counts.
    mutating func histogram(_ histogram: LatencyHistogram) {
        unsigned(UInt64(histogram.values.count))
        var previous: Int64 = 0
        for value in histogram.values {
            unsigned(UInt64(Int64(value) - previous))
            previous = Int64(value)
        }
        for count in histogram.counts { unsigned(UInt64(count)) }
    }
}

/// Reads what `ByteWriter` wrote, bounds-checked.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func byte() throws(RollupError) -> UInt8 {
        guard position < bytes.count else { throw .unreadablePiece(day: "", reason: "truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    /// Most of a piece's integers (deltas, counts) fit one byte: read those without the loop.
    @inline(__always)
    mutating func unsigned() throws(RollupError) -> UInt64 {
        if position < bytes.count, bytes[position] < 0x80 {
            defer { position += 1 }
            return UInt64(bytes[position])
        }
        return try unsignedOfSeveralBytes()
    }

    private mutating func unsignedOfSeveralBytes() throws(RollupError) -> UInt64 {
        // Two bytes (up to 16383: a month's count of one latency value) without the loop.
        if position + 1 < bytes.count, bytes[position + 1] < 0x80 {
            defer { position += 2 }
            return UInt64(bytes[position] & 0x7F) | UInt64(bytes[position + 1]) << 7
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw .unreadablePiece(day: "", reason: "integer too long") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    /// The values a stored integer may take, and what a reader says of one outside them: a
    /// value read and a value skipped are checked alike.
    struct IntegerRange {
        let maximum: UInt64
        let reason: String

        static let count = IntegerRange(maximum: UInt64(Int32.max), reason: "count out of range")
        static let signed64 = IntegerRange(maximum: UInt64(Int64.max), reason: "integer out of range")
        /// A bit pattern (a mean's `Double`): every value is one.
        static let bits = IntegerRange(maximum: .max, reason: "")

        func checked(_ value: UInt64) throws(RollupError) -> UInt64 {
            guard value <= maximum else { throw .unreadablePiece(day: "", reason: reason) }
            return value
        }
    }

    mutating func signed64() throws(RollupError) -> Int64 {
        Int64(try IntegerRange.signed64.checked(try unsigned()))
    }

    mutating func count() throws(RollupError) -> Int {
        Int(try IntegerRange.count.checked(try unsigned()))
    }

    /// How many items follow, each taking at least one byte: never more than the bytes left, so
    /// a damaged count cannot make a reader reserve room for billions.
    mutating func itemCount() throws(RollupError) -> Int {
        let value = try count()
        guard value <= bytes.count - position else { throw .unreadablePiece(day: "", reason: "more items than bytes") }
        return value
    }

    /// A time written as an offset from `base`, within the range of times.
    mutating func time(after base: Int64) throws(RollupError) -> Int64 {
        let (time, overflow) = base.addingReportingOverflow(try signed64())
        guard !overflow else { throw .unreadablePiece(day: "", reason: "time out of range") }
        return time
    }

    mutating func string(length: Int, texts: TextInterner) throws(RollupError) -> String {
        guard length <= bytes.count - position else { throw .unreadablePiece(day: "", reason: "truncated text") }
        defer { position += length }
        return texts.text(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)]))
    }

    /// Moves past `count` integers of `range` without keeping them, each checked as the reader
    /// of that range checks it: one byte at a time for the many small ones.
    mutating func skip(_ count: Int, of range: IntegerRange = .count) throws(RollupError) {
        for _ in 0..<count {
            if position < bytes.count, bytes[position] < 0x80 {
                position += 1
                continue
            }
            _ = try range.checked(try unsignedOfSeveralBytes())
        }
    }

    /// Moves past a latency summary (`ByteWriter.summary`), checked as `summary()` checks it.
    mutating func skipSummary() throws(RollupError) {
        let count = try self.count()
        try skip(1)
        guard count > 0 else { return }
        try skip(1)
        try skip(1, of: .bits)
        try skip(5)
    }

    mutating func summary() throws(RollupError) -> LatencySummary {
        let count = try count()
        let invalid = try self.count()
        guard count > 0 else { return LatencySummary(count: 0, invalid: invalid, min: nil, mean: nil, p50: nil, p90: nil, p95: nil, p99: nil, max: nil) }
        let min = try self.count()
        let mean = Double(bitPattern: try unsigned())
        return LatencySummary(
            count: count, invalid: invalid, min: min, mean: mean, p50: try self.count(), p90: try self.count(), p95: try self.count(),
            p99: try self.count(), max: try self.count())
    }

    /// Histograms are most of a long report's rollup bytes: their values and counts are read in
    /// one tight loop each, straight into the arrays' storage.
    mutating func histogram() throws(RollupError) -> LatencyHistogram {
        let count = try itemCount()
        var previous: Int64 = 0
        let values = try int32s(count) { (step) throws(RollupError) in
            guard step <= UInt64(Int64(Int32.max) - previous) else { throw .unreadablePiece(day: "", reason: "latency out of range") }
            previous += Int64(step)
            return Int32(previous)
        }
        let counts = try int32s(count) { (value) throws(RollupError) in
            guard value > 0, value <= UInt64(Int32.max) else {
                throw .unreadablePiece(day: "", reason: value == 0 ? "empty histogram bucket" : "count out of range")
            }
            return Int32(value)
        }
        return LatencyHistogram(sortedValues: values, counts: counts)
    }

    /// `count` integers, each made an element by `element` (which throws for one it refuses),
    /// written straight into the array's storage.
    @inline(__always)
    private mutating func int32s(_ count: Int, _ element: (UInt64) throws(RollupError) -> Int32) throws(RollupError) -> [Int32] {
        var failure: RollupError?
        let result = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                do throws(RollupError) {
                    buffer[initialized] = try element(try unsigned())
                } catch {
                    failure = error
                    return
                }
                initialized += 1
            }
        }
        if let failure { throw failure }
        return result
    }
}
