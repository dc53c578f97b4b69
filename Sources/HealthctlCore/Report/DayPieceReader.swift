import PostgresClient

/// Reads one UTC day of log rows and turns it into day pieces, one per integration with checks.
/// The checks of that day are the only ones held, and only until their pieces are built.
///
/// Each read is a unit of the governor's: the whole day in one COPY while the server is quiet,
/// three hours at a time while the job yields to other sessions; building the pieces is one more.
struct DayPieceReader: Sendable {
    let schema: HealthSchema
    let index: IntegrationIndex
    let selection: ReportSelection
    let maxGap: ReportSettings.MaxGap
    var redactions = RedactionCache()
    var governor = LoadGovernor.fullSpeed()

    /// The pieces of `day` by integration position, counting the checks in `counted`; runs in the
    /// caller's transaction.
    func pieces(on connection: PostgresConnection, day: CalendarDay, counted: Range<Int64>) throws -> (pieces: [DayPiece?], rows: Int) {
        let end = day.startMs + CalendarDay.dayMs
        try connection.set("healthctl.report_ids", ReportSource.jsonArray(selection.integrationIds), local: true)
        try connection.set("healthctl.report_providers", ReportSource.jsonArray(selection.providers), local: true)
        try connection.set("healthctl.report_users", ReportSource.jsonArray(selection.userIds), local: true)
        var decoder = CheckCopyDecoder(index: index)
        let sql = ReportSource.copySQL(schema: schema, selection: selection)
        try governor.readInSlices(day.startMs..<end, unit: { read in try governor.unit(on: connection, read) }) { slice in
            try connection.set("healthctl.report_since", PostgresTimestamp.format(epochMilliseconds: slice.lowerBound), local: true)
            try connection.set("healthctl.report_until", PostgresTimestamp.format(epochMilliseconds: slice.upperBound), local: true)
            decoder.startStream()
            try connection.copyOut(sql) { try decoder.consume($0) }
        }
        // Building the pieces is a unit of its own: while the job yields, on one core at a time
        // and followed by its rest, as the reads are.
        let pieces = try governor.unit(on: connection) { () -> [DayPiece?] in
            let redacted = RedactedMessages(decoder.messages, cache: redactions)
            let series = (0..<index.count).map { position in
                var checks = decoder.takeSeries(at: position)
                checks.sortByTime()
                return checks
            }
            let maxGap = self.maxGap
            let build: @Sendable (Int) -> DayPiece? = { position in
                guard series[position].count > 0 else { return nil }
                return DayPiece(day: day, series: series[position], counted: counted, maxGap: maxGap, messageText: redacted.text(ofRaw:))
            }
            return governor.isYielding ? (0..<series.count).map(build) : parallelMap(series.count, build)
        }
        return (pieces, decoder.rows)
    }
}
