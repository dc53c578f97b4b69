@testable import HealthctlCore
import Testing

@Suite struct BackfillRulesTests {
    let hour: Int64 = 3_600_000_000
    let now: Int64 = 1_795_000_000_000_000

    func check(_ status: HealthStatus?, at micros: Int64, id: String = "log-1") -> BackfillEvidence {
        .latest(LatestCheck(logId: id, status: status, checkedAtMicros: micros, checkedAtText: "text-\(micros)"))
    }

    @Test func latestLogGivesStatusAndLastHealthCheck() {
        let decision = BackfillRules.decide(
            BackfillCandidate(id: "a"), evidence: check(.warning, at: now - hour), options: BackfillRuleOptions())
        #expect(decision == BackfillDecision(rule: .latestLog, status: .warning, lastHealthCheckText: "text-\(now - hour)"))
        #expect(decision.label == "UNKNOWN -> WARNING")
        #expect(decision.changesRow)
    }

    @Test func logEvidenceWinsOverTokenFacts() {
        let candidate = BackfillCandidate(id: "a", isActive: false, tokenExpired: true, hasRefreshToken: false)
        let decision = BackfillRules.decide(candidate, evidence: check(.healthy, at: now), options: BackfillRuleOptions())
        #expect(decision.rule == .latestLog)
        #expect(decision.status == .healthy)
    }

    @Test func evidenceOlderThanMaxAgeKeepsUnknownEvenWithExpiredToken() {
        let options = BackfillRuleOptions(maxAgeCutoffMicros: now - 24 * hour)
        let candidate = BackfillCandidate(id: "a", tokenExpired: true, hasRefreshToken: false)
        let stale = BackfillRules.decide(candidate, evidence: check(.healthy, at: now - 25 * hour), options: options)
        #expect(stale == BackfillDecision(rule: .staleEvidence, status: .unknown))
        #expect(!stale.changesRow)
        #expect(BackfillRules.decide(candidate, evidence: .onlyOlderThanMaxAge, options: options).rule == .staleEvidence)
        let fresh = BackfillRules.decide(candidate, evidence: check(.healthy, at: now - 23 * hour), options: options)
        #expect(fresh.status == .healthy)
    }

    @Test func tokenRulesApplyOnlyWithoutLogs() {
        func decide(_ candidate: BackfillCandidate, _ rules: BackfillRuleOptions = BackfillRuleOptions()) -> BackfillDecision {
            BackfillRules.decide(candidate, evidence: .noLogs, options: rules)
        }
        let expired = BackfillCandidate(id: "a", isActive: true, tokenExpired: true, hasRefreshToken: false)
        #expect(decide(expired) == BackfillDecision(rule: .tokenExpired, status: .error))
        #expect(decide(expired).label == "UNKNOWN -> ERROR (token expired)")
        #expect(decide(expired).lastHealthCheckText == nil)
        var refreshable = expired
        refreshable.hasRefreshToken = true
        #expect(decide(refreshable).rule == .noEvidence)
        var inactive = expired
        inactive.isActive = false
        #expect(decide(inactive) == BackfillDecision(rule: .inactive, status: .unknown))
        var valid = expired
        valid.tokenExpired = false
        #expect(decide(valid).rule == .noEvidence)
        // Without the columns there is nothing to go on.
        #expect(decide(BackfillCandidate(id: "a")).rule == .noEvidence)
        #expect(decide(expired, BackfillRuleOptions(tokenRules: false)) == BackfillDecision(rule: .noEvidence, status: .unknown))
    }

    @Test func latestCheckUnknownMovesOnlyLastHealthCheck() {
        let decision = BackfillRules.decide(BackfillCandidate(id: "a"), evidence: check(.unknown, at: now), options: BackfillRuleOptions())
        #expect(decision == BackfillDecision(rule: .latestLogUnknown, status: .unknown, lastHealthCheckText: "text-\(now)"))
        #expect(decision.changesRow)
        #expect(decision.label == "stays UNKNOWN, lastHealthCheck set (latest check UNKNOWN)")
        // A TEXT status column holding something else counts the same.
        #expect(BackfillRules.decide(BackfillCandidate(id: "a"), evidence: check(nil, at: now), options: BackfillRuleOptions()).rule == .latestLogUnknown)
        // Already at that check: nothing to write.
        let done = BackfillRules.decide(
            BackfillCandidate(id: "a", lastHealthCheckMicros: now), evidence: check(.unknown, at: now), options: BackfillRuleOptions())
        #expect(!done.changesRow)
        #expect(done.label == "stays UNKNOWN (latest check UNKNOWN)")
    }

    @Test func lastHealthCheckNeverMovesBackwards() {
        let newer = BackfillRules.decide(
            BackfillCandidate(id: "a", lastHealthCheckMicros: now), evidence: check(.healthy, at: now - hour), options: BackfillRuleOptions())
        #expect(newer == BackfillDecision(rule: .newerCheckRecorded, status: .unknown))
        #expect(!newer.changesRow)
        let same = BackfillRules.decide(
            BackfillCandidate(id: "a", lastHealthCheckMicros: now), evidence: check(.error, at: now), options: BackfillRuleOptions())
        #expect(same == BackfillDecision(rule: .latestLog, status: .error, lastHealthCheckText: nil))
        let older = BackfillRules.decide(
            BackfillCandidate(id: "a", lastHealthCheckMicros: now - hour), evidence: check(.error, at: now), options: BackfillRuleOptions())
        #expect(older.lastHealthCheckText == "text-\(now)")
    }

    @Test func tallyOrdersLinesAndKeepsSamples() {
        var tally = BackfillTally(sampleSize: 2)
        let healthy = BackfillDecision(rule: .latestLog, status: .healthy, lastHealthCheckText: "t")
        let error = BackfillDecision(rule: .latestLog, status: .error, lastHealthCheckText: "t")
        let none = BackfillDecision(rule: .noEvidence, status: .unknown)
        let token = BackfillDecision(rule: .tokenExpired, status: .error)
        for (index, decision) in [none, error, healthy, healthy, token, healthy].enumerated() {
            tally.record(decision, id: "id\(index)")
        }
        let lines = tally.transitions
        #expect(lines.map(\.label) == ["UNKNOWN -> HEALTHY", "UNKNOWN -> ERROR", "UNKNOWN -> ERROR (token expired)", "stays UNKNOWN (no evidence)"])
        #expect(lines.map(\.count) == [3, 1, 1, 1])
        #expect(lines[0].sampleIds == ["id2", "id3"])
        #expect(lines.map(\.writes) == [true, true, true, false])
    }

    @Test func textReportShowsTableAndSkips() {
        var tally = BackfillTally(sampleSize: 0)
        for _ in 0..<812 { tally.record(BackfillDecision(rule: .latestLog, status: .healthy, lastHealthCheckText: "t"), id: "x") }
        for _ in 0..<14 { tally.record(BackfillDecision(rule: .tokenExpired, status: .error), id: "y") }
        for _ in 0..<97 { tally.record(BackfillDecision(rule: .noEvidence, status: .unknown), id: "z") }
        var batches = BackfillTransactionStats()
        batches.record(milliseconds: 12.4)
        let summary = BackfillSummary(
            dryRun: false, maxAge: nil, tokenRules: true, examined: 926, transitions: tally.transitions, updated: 826,
            skippedLocked: 3, skippedChanged: 0, batches: batches, evidence: BackfillEvidenceStats(), durationSeconds: 1,
            stoppedBy: "SIGTERM")
        let text = summary.renderText()
        #expect(text.contains("  UNKNOWN -> HEALTHY:               812\n"))
        #expect(text.contains("  UNKNOWN -> ERROR (token expired): 14\n"))
        #expect(text.contains("  stays UNKNOWN (no evidence):      97\n"))
        #expect(text.contains("updated 826 rows in 1 batch, longest batch transaction 12 ms"))
        #expect(text.contains("skipped 3 rows locked by another transaction: the next run picks them up"))
        #expect(text.contains("stopped early (SIGTERM): run again to continue"))
    }

    @Test func slowTransactionsShrinkTheNextBatches() {
        #expect(Backfill.nextBatchSize(after: 20, current: 1000, limit: 1000) == 1000)
        #expect(Backfill.nextBatchSize(after: 400, current: 1000, limit: 1000) == 250)
        #expect(Backfill.nextBatchSize(after: 5000, current: 1000, limit: 1000) == 100)
        #expect(Backfill.nextBatchSize(after: 70, current: 250, limit: 1000) == 250)
        #expect(Backfill.nextBatchSize(after: 20, current: 250, limit: 1000) == 500)
        #expect(Backfill.nextBatchSize(after: 20, current: 800, limit: 1000) == 1000)
        // Never below --batch-size when that is already small.
        #expect(Backfill.nextBatchSize(after: 900, current: 2, limit: 2) == 2)
    }
}
