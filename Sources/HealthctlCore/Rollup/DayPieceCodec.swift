/// The bytes of a day piece in a rollup row: a version byte, then variable-length integers
/// (LEB128), times as offsets from the day's start or the previous time, texts once each.
enum DayPieceCodec {
    static let version: UInt8 = 1

    static func encode(_ piece: DayPiece) -> [UInt8] {
        var out = ByteWriter()
        out.byte(version)
        var texts: [String] = []
        var textIndex: [String: Int] = [:]
        func text(_ value: String?) -> Int {
            guard let value else { return 0 }
            if let index = textIndex[value] { return index + 1 }
            texts.append(value)
            textIndex[value] = texts.count - 1
            return texts.count
        }
        var body = ByteWriter()
        let dayStart = piece.day.startMs
        for count in [piece.checks.healthy, piece.checks.warning, piece.checks.error, piece.checks.unknown, piece.invalidHealthy, piece.invalidFailing] {
            body.unsigned(UInt64(count))
        }
        body.histogram(piece.latencyHealthy)
        body.histogram(piece.latencyFailing)
        body.unsigned(piece.maxGapMs.map { UInt64($0) + 1 } ?? 0)
        body.unsigned(piece.firstCheckMs.map { UInt64($0 - dayStart) + 1 } ?? 0)
        body.unsigned(UInt64(piece.segments.count))
        var previousEnd = dayStart
        for segment in piece.segments {
            body.unsigned(UInt64(segment.startMs - previousEnd))
            body.unsigned(UInt64(segment.durationMs))
            body.byte(statusCode(segment.status))
            body.unsigned(UInt64(segment.messages.count))
            for change in segment.messages {
                body.unsigned(UInt64(change.timeMs - segment.startMs))
                body.unsigned(UInt64(text(change.text)))
            }
            previousEnd = segment.endMs
        }
        if let last = piece.last {
            body.byte(1)
            body.unsigned(UInt64(last.timeMs - dayStart))
            body.byte(statusCode(last.status))
            body.unsigned(UInt64(text(last.error)))
        } else {
            body.byte(0)
        }
        let errors = piece.errors.sorted { $0.key < $1.key }
        body.unsigned(UInt64(errors.count))
        for (message, count) in errors {
            body.unsigned(UInt64(text(message)))
            body.unsigned(UInt64(count))
        }
        out.unsigned(UInt64(texts.count))
        for value in texts {
            let bytes = Array(value.utf8)
            out.unsigned(UInt64(bytes.count))
            out.bytes.append(contentsOf: bytes)
        }
        out.bytes.append(contentsOf: body.bytes)
        return out.bytes
    }

    /// - Parameter texts: where equal texts of many pieces share one copy.
    static func decode(_ bytes: UnsafeRawBufferPointer, day: CalendarDay, texts interner: TextInterner = TextInterner()) throws(RollupError) -> DayPiece {
        do {
            return try decodeUnlabelled(bytes, day: day, interner: interner)
        } catch let .unreadablePiece(_, reason) {
            throw .unreadablePiece(day: day.text, reason: reason)
        }
    }

    private static func decodeUnlabelled(_ bytes: UnsafeRawBufferPointer, day: CalendarDay, interner: TextInterner) throws(RollupError) -> DayPiece {
        var input = ByteReader(bytes: bytes)
        guard try input.byte() == version else { throw .unreadablePiece(day: "", reason: "unknown format version") }
        let textCount = try input.itemCount()
        var texts: [String] = []
        texts.reserveCapacity(textCount)
        for _ in 0..<textCount {
            let length = try input.count()
            texts.append(try input.string(length: length, texts: interner))
        }
        func text(_ index: Int) throws(RollupError) -> String? {
            guard index > 0 else { return nil }
            guard index <= texts.count else { throw .unreadablePiece(day: "", reason: "text index out of range") }
            return texts[index - 1]
        }
        var piece = DayPiece(day: day)
        let dayStart = day.startMs
        piece.checks = CheckCounts(healthy: try input.count(), warning: try input.count(), error: try input.count(), unknown: try input.count())
        piece.invalidHealthy = try input.count()
        piece.invalidFailing = try input.count()
        piece.latencyHealthy = try input.histogram()
        piece.latencyFailing = try input.histogram()
        let gap = try input.signed64()
        piece.maxGapMs = gap == 0 ? nil : gap - 1
        let first = try input.time(after: dayStart - 1)
        piece.firstCheckMs = first == dayStart - 1 ? nil : first
        let segmentCount = try input.itemCount()
        piece.segments.reserveCapacity(segmentCount)
        var previousEnd = dayStart
        for _ in 0..<segmentCount {
            let start = try input.time(after: previousEnd)
            let end = try input.time(after: start)
            let status = try status(try input.byte(), day: day)
            let changeCount = try input.itemCount()
            var messages: [MessageChange] = []
            messages.reserveCapacity(changeCount)
            for _ in 0..<changeCount {
                let time = try input.time(after: start)
                messages.append(MessageChange(timeMs: time, text: try text(try input.count())))
            }
            piece.segments.append(TimelineSegment(startMs: start, endMs: end, status: status, messages: messages))
            previousEnd = end
        }
        if try input.byte() == 1 {
            let time = try input.time(after: dayStart)
            let status = try status(try input.byte(), day: day)
            piece.last = TimelineCheck(timeMs: time, status: status, error: try text(try input.count()))
        }
        let errorCount = try input.itemCount()
        for _ in 0..<errorCount {
            guard let message = try text(try input.count()) else { throw .unreadablePiece(day: "", reason: "error without a message") }
            piece.errors[message] = try input.count()
        }
        guard input.isAtEnd else { throw .unreadablePiece(day: "", reason: "trailing bytes") }
        return piece
    }

    private static let statuses: [HealthStatus] = [.healthy, .warning, .error, .unknown]

    private static func statusCode(_ status: HealthStatus) -> UInt8 { UInt8(statuses.firstIndex(of: status) ?? 3) }

    private static func status(_ code: UInt8, day: CalendarDay) throws(RollupError) -> HealthStatus {
        guard Int(code) < statuses.count else { throw .unreadablePiece(day: "", reason: "unknown status") }
        return statuses[Int(code)]
    }
}
