import Foundation
import PostgresClient
import Synchronization

/// What `healthctl seed` did.
public struct SeedSummary: Sendable, Codable, Equatable {
    public var integrations: Int
    public var logRows: Int
    public var seconds: Double
    public var rowsPerSecond: Int
    public var seed: UInt64
    /// The window the checks cover, `[from, until)`.
    public var from: String
    public var until: String
    public var jobs: Int

    public func renderText() -> String {
        "seeded \(integrations) integrations and \(logRows) health log rows (\(from) to \(until), seed \(seed)) in "
            + String(format: "%.1f", seconds) + " s, \(rowsPerSecond) rows/s with \(jobs) connections"
    }
}

/// Loads a `SeedDataSet` with COPY FROM STDIN: the integrations first, then the checks on `jobs`
/// connections in parallel, each loading a disjoint range of integrations in one transaction, so
/// the server parses on several cores. Either every check is committed or none is (and the
/// integrations are removed again).
public enum SeedLoader {
    public static func run(
        plan: SeedPlan, target: ConnectionTarget, jobs: Int, stop: StopRequest, progress: ProgressHandler? = nil
    ) throws -> SeedSummary {
        let started = ContinuousClock.now
        let connection = try target.connectToPrimary(for: "seed")
        let schema = try SchemaInspector.inspect(connection, schema: target.schema)
        try checkIdentifierRanges(plan, schema)
        let dataSet = SeedDataSet(plan: plan)
        let encoder = SeedRowEncoder(plan: plan, schema: schema)
        try refuseExistingData(dataSet, encoder, schema, connection)

        let integrationRows = try databaseStep("loading integrations") {
            try connection.copyIn(encoder.integrationCopySQL(schema)) { writer in
                var buffer = CopyRowBuffer()
                for integration in dataSet.integrations {
                    encoder.appendIntegration(integration, into: &buffer)
                    if buffer.count >= 1 << 18 { try send(&buffer, writer) }
                }
                try send(&buffer, writer)
            }
        }
        let jobs = max(1, min(jobs, plan.integrations))
        let logRows: Int
        do {
            logRows = try loadChecks(dataSet, encoder, schema, target: target, jobs: jobs, stop: stop, progress: progress)
        } catch {
            try? removeIntegrations(dataSet, encoder, schema, connection)
            throw error
        }
        try databaseStep("analyzing the seeded tables") {
            try connection.execute(script: "ANALYZE \(schema.integrationTable); ANALYZE \(schema.logTable)")
        }
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return SeedSummary(
            integrations: integrationRows, logRows: logRows, seconds: (seconds * 100).rounded() / 100,
            rowsPerSecond: seconds > 0 ? Int(Double(logRows) / seconds) : logRows, seed: plan.seed,
            from: ISOTime.format(epochMilliseconds: plan.fromMs), until: ISOTime.format(epochMilliseconds: plan.untilMs),
            jobs: jobs)
    }

    private static func send(_ buffer: inout CopyRowBuffer, _ writer: CopyInWriter) throws {
        try buffer.bytes.withUnsafeBytes { try writer.write(bytes: $0) }
        buffer.removeAll()
    }

    /// Integer id columns must hold the largest id this plan makes.
    static func checkIdentifierRanges(_ plan: SeedPlan, _ schema: HealthSchema) throws {
        let limits = ["int2": Int(Int16.max), "int4": Int(Int32.max)]
        let checks: [(String, [HealthSchema.Column], Int)] = [
            (HealthSchema.integrationTableName, schema.integrationColumns, plan.integrations),
            (HealthSchema.logTableName, schema.logColumns, plan.maxLogRows),
        ]
        for (table, columns, largest) in checks {
            guard let column = columns.first(where: { $0.name == "id" }), let limit = limits[column.typeName] else { continue }
            if largest > limit {
                throw SeedError.identifierOutOfRange(table: table, column: "id", type: column.formattedType, largest: largest)
            }
        }
    }

    /// Seeding the same plan twice would collide on ids halfway through; say so up front instead.
    /// A seed of the same plan that did not finish (killed, or its connection lost before it could
    /// clean up) left part of its rows: those are taken out and the seed starts over, so the next
    /// run always completes.
    private static func refuseExistingData(
        _ dataSet: SeedDataSet, _ encoder: SeedRowEncoder, _ schema: HealthSchema, _ connection: PostgresConnection
    ) throws {
        let ids = dataSet.integrations.map { String(decoding: encoder.integrationIdBytes($0), as: UTF8.self) }
        let id = quoteIdentifier("id")
        let (integrations, checks) = try databaseStep("looking for an earlier seed") {
            let found = try connection.query("SELECT count(*) FROM \(schema.integrationTable) WHERE \(id)::text = ANY($1)", [ids]).first?.int(0) ?? 0
            guard found > 0 else { return (0, 0) }
            let checks = try connection.query(
                "SELECT count(*) FROM \(schema.logTable) WHERE \(quoteIdentifier("integrationId"))::text = ANY($1)", [ids]).first?.int(0) ?? 0
            return (found, checks)
        }
        guard integrations > 0 else { return }
        var expected = 0
        dataSet.forEachCheck(integrations: 0..<dataSet.integrations.count, afterChunk: {}) { _ in expected += 1 }
        if integrations == ids.count, checks == expected {
            throw SeedError.alreadySeeded(seed: dataSet.plan.seed, table: HealthSchema.integrationTableName)
        }
        try databaseStep("removing an interrupted seed") { try removeIntegrations(dataSet, encoder, schema, connection) }
    }

    /// Takes the seeded integrations out again (and any of their checks) after a failed load.
    private static func removeIntegrations(
        _ dataSet: SeedDataSet, _ encoder: SeedRowEncoder, _ schema: HealthSchema, _ connection: PostgresConnection
    ) throws {
        let ids = dataSet.integrations.map { String(decoding: encoder.integrationIdBytes($0), as: UTF8.self) }
        try connection.transaction {
            try connection.query("DELETE FROM \(schema.logTable) WHERE \(quoteIdentifier("integrationId"))::text = ANY($1)", [ids])
            try connection.query("DELETE FROM \(schema.integrationTable) WHERE \(quoteIdentifier("id"))::text = ANY($1)", [ids])
        }
    }

    /// A connection handed to exactly one loader thread, and used again only after that thread ended.
    private final class LoaderConnection: @unchecked Sendable {
        let connection: PostgresConnection
        init(_ connection: PostgresConnection) { self.connection = connection }
    }

    /// What the loader threads share.
    private final class LoaderState: Sendable {
        let rowsLoaded = Atomic<Int>(0)
        /// Set when one thread fails, so the others stop early.
        let failed = Atomic<Bool>(false)

    }

    /// Another loader thread failed; its error is the one reported.
    private struct AbandonedBecauseAnotherLoaderFailed: Error {}

    private static func loadChecks(
        _ dataSet: SeedDataSet, _ encoder: SeedRowEncoder, _ schema: HealthSchema,
        target: ConnectionTarget, jobs: Int, stop: StopRequest, progress: ProgressHandler?
    ) throws -> Int {
        let count = dataSet.integrations.count
        let ranges = (0..<jobs).map { job in (count * job / jobs)..<(count * (job + 1) / jobs) }
        let connections = try ranges.map { _ in LoaderConnection(try target.connect()) }
        let state = LoaderState()
        try databaseStep("starting the load") {
            for loader in connections { try loader.connection.query("BEGIN") }
        }
        let outcomes = BlockingWorkers.run(jobs) { job in
            let outcome = Result {
                try databaseStep("loading health log rows") {
                    try loadRange(ranges[job], dataSet, encoder, schema, connections[job].connection, state: state, stop: stop, progress: progress)
                }
            }
            if case .failure = outcome { state.failed.store(true, ordering: .relaxed) }
            return outcome
        }
        let failures = outcomes.compactMap { outcome -> (any Error)? in
            if case let .failure(error) = outcome { return error }
            return nil
        }
        guard failures.isEmpty else {
            for loader in connections { _ = try? loader.connection.query("ROLLBACK") }
            throw failures.first { !($0 is AbandonedBecauseAnotherLoaderFailed) } ?? failures[0]
        }
        try databaseStep("committing the load") {
            for loader in connections { try loader.connection.query("COMMIT") }
        }
        return outcomes.reduce(0) { total, outcome in total + ((try? outcome.get()) ?? 0) }
    }

    private static func loadRange(
        _ range: Range<Int>, _ dataSet: SeedDataSet, _ encoder: SeedRowEncoder, _ schema: HealthSchema,
        _ connection: PostgresConnection, state: LoaderState, stop: StopRequest, progress: ProgressHandler?
    ) throws -> Int {
        let integrationIds = dataSet.integrations[range].map { encoder.integrationIdBytes($0) }
        return try connection.copyIn(encoder.logCopySQL(schema)) { writer in
            var buffer = CopyRowBuffer(capacity: 1 << 20)
            var rowsInChunk = 0
            try dataSet.forEachCheck(
                integrations: range,
                afterChunk: {
                    try send(&buffer, writer)
                    let total = state.rowsLoaded.add(rowsInChunk, ordering: .relaxed).newValue
                    rowsInChunk = 0
                    progress?(JobProgress(done: total, total: nil, unit: "rows"))
                    if let reason = stop.stopReason { throw SeedError.stopped(reason: reason) }
                    if state.failed.load(ordering: .relaxed) { throw AbandonedBecauseAnotherLoaderFailed() }
                },
                { check in
                    encoder.appendCheck(check, integrationId: integrationIds[check.integrationIndex - range.lowerBound], into: &buffer)
                    rowsInChunk += 1
                })
        }
    }
}
