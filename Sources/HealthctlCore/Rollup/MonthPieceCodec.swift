/// The bytes of a month piece in a month rollup row: a version byte, the widest gap, the head
/// (its day and its `DayPieceCodec` bytes) when there is one, then the body's `DayPieceCodec`
/// bytes, times offset from the first of the month.
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
        if let body = piece.body { out.bytes += DayPieceCodec.encode(body) }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8], month: CalendarDay) throws(RollupError) -> MonthPiece {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(RollupError) in try decode(buffer, month: month) } }
        return try result.get()
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, month: CalendarDay) throws(RollupError) -> MonthPiece {
        var input = ByteReader(bytes: bytes)
        let label = String(month.text.prefix(7))
        do throws(RollupError) {
            guard try input.byte() == version else { throw RollupError.unreadablePiece(day: label, reason: "unknown format version") }
            var piece = MonthPiece(month: month)
            let widest = try input.signed64()
            piece.widestGapMs = widest == 0 ? nil : widest - 1
            let headDay = try input.count()
            if headDay > 0 {
                guard headDay <= month.daysInMonth else { throw RollupError.unreadablePiece(day: label, reason: "head outside the month") }
                let length = try input.count()
                guard length <= bytes.count - input.position else { throw RollupError.unreadablePiece(day: label, reason: "truncated") }
                let day = month.adding(days: headDay - 1)
                piece.head = try DayPieceCodec.decode(UnsafeRawBufferPointer(rebasing: bytes[input.position..<(input.position + length)]), day: day)
                input.position += length
            }
            if !input.isAtEnd {
                var body = try DayPieceCodec.decode(UnsafeRawBufferPointer(rebasing: bytes[input.position...]), day: month)
                body.counted = piece.range
                piece.body = body
            }
            return piece
        } catch let .unreadablePiece(_, reason) {
            throw .unreadablePiece(day: label, reason: reason)
        }
    }
}
