/// The bytes of a month piece in a month rollup row: a version byte, the widest gap, the head
/// (its day and its `DayPieceCodec` bytes) when there is one, each day's numbers, then the
/// body's `DayPieceCodec` bytes, times offset from the first of the month.
enum MonthPieceCodec {
    static let version: UInt8 = 1

    static func encode(_ piece: MonthPiece) -> [UInt8] {
        var out = ByteWriter()
        out.byte(version)
        out.unsigned(piece.widestGapMs.map { UInt64($0) + 1 } ?? 0)
        if let head = piece.head {
            let bytes = DayPieceCodec.encode(head)
            out.unsigned(UInt64((head.day.startMs - piece.month.startMs) / CalendarDay.dayMs) + 1)
            out.unsigned(UInt64(bytes.count))
            out.bytes += bytes
        } else {
            out.unsigned(0)
        }
        out.unsigned(UInt64(piece.days.count))
        for day in piece.days {
            for count in [day.checks.healthy, day.checks.warning, day.checks.error, day.checks.unknown] { out.unsigned(UInt64(count)) }
            out.unsigned(day.maxGapMs.map { UInt64($0) + 1 } ?? 0)
            out.summary(day.latencyHealthy)
            out.summary(day.latencyAll)
        }
        if let body = piece.body { out.bytes += DayPieceCodec.encode(body) }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8], month: CalendarDay, dailyNumbers: Bool = true) throws(RollupError) -> MonthPiece {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(RollupError) in try decode(buffer, month: month, dailyNumbers: dailyNumbers) } }
        return try result.get()
    }

    /// - Parameters:
    ///   - texts: where equal texts of many pieces share one copy.
    ///   - dailyNumbers: false leaves `days` empty (skipped, still checked as they are read): a
    ///     report without a daily series has no use for them.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, month: CalendarDay, texts: TextInterner = TextInterner(), dailyNumbers: Bool = true
    ) throws(RollupError) -> MonthPiece {
        var input = ByteReader(bytes: bytes)
        let label = month.monthText
        do throws(RollupError) {
            guard try input.byte() == version else { throw RollupError.unreadablePiece(day: label, reason: "unknown format version") }
            var piece = MonthPiece(month: month)
            let widest = try input.signed64()
            piece.widestGapMs = widest == 0 ? nil : widest - 1
            let headDay = try input.count()
            if headDay > 0 {
                guard headDay <= month.daysInMonth else { throw RollupError.unreadablePiece(day: label, reason: "head outside the month") }
                let length = try input.itemCount()
                let day = month.adding(days: headDay - 1)
                piece.head = try DayPieceCodec.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[input.position..<(input.position + length)]), day: day, texts: texts)
                input.position += length
            }
            let dayCount = try input.count()
            guard dayCount == month.daysInMonth else { throw RollupError.unreadablePiece(day: label, reason: "days do not match the month") }
            for offset in 0..<dayCount {
                guard dailyNumbers else {
                    try input.skip(4)
                    try input.skip(1, of: .signed64)
                    try input.skipSummary()
                    try input.skipSummary()
                    continue
                }
                let checks = CheckCounts(healthy: try input.count(), warning: try input.count(), error: try input.count(), unknown: try input.count())
                let gap = try input.signed64()
                let healthy = try input.summary()
                let all = try input.summary()
                var day = MonthPiece.Day()
                day.checks = checks
                day.maxGapMs = gap == 0 ? nil : gap - 1
                day.latencyHealthy = healthy
                day.latencyAll = all
                piece.days[offset] = day
            }
            if !input.isAtEnd {
                var body = try DayPieceCodec.decode(UnsafeRawBufferPointer(rebasing: bytes[input.position...]), day: month, texts: texts)
                body.counted = piece.range
                piece.body = body
            }
            return piece
        } catch let .unreadablePiece(_, reason) {
            throw .unreadablePiece(day: label, reason: reason)
        }
    }
}
