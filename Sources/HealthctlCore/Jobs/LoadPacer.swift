/// When a job may start its next unit of work (a batch, a day), from what it has seen of the
/// other sessions on the server: the pure part of `LoadGovernor`, on plain times in nanoseconds.
///
/// While no other session is busy, every unit starts at once, on every worker. From a probe
/// that finds one busy, and until `quietNanoseconds` after the last that did, the job is
/// "yielding": one unit at a time, each followed by a rest that keeps the job's work at `share`
/// of the time (a unit of 20 ms at a share of 0.2 rests 80 ms).
struct LoadPacer: Sendable, Equatable {
    /// The share of the time the job works while yielding; 1 never yields (and never probes).
    let share: Double
    let probeEveryNanoseconds: Int64
    /// How long the job keeps yielding after the last probe that found another session busy.
    let quietNanoseconds: Int64

    private(set) var isYielding = false
    private var lastBusyAt: Int64?
    private var lastProbeAt: Int64?
    private var probing = false
    private var working = 0
    private var restUntil: Int64?

    init(share: Double, probeEveryNanoseconds: Int64 = 1_000_000_000, quietNanoseconds: Int64 = 3_000_000_000) {
        self.share = min(max(share, 0.01), 1)
        self.probeEveryNanoseconds = probeEveryNanoseconds
        self.quietNanoseconds = quietNanoseconds
    }

    enum Step: Equatable {
        /// Start the unit (`finished` must follow).
        case work
        /// Look at the other sessions, then report with `probed` (or `probeFailed`) and ask again.
        case probe
        /// Ask again at this time.
        case wait(until: Int64)
    }

    /// What a worker does next, at time `now`.
    mutating func next(at now: Int64) -> Step {
        guard share < 1 else {
            working += 1
            return .work
        }
        if !probing, lastProbeAt.map({ now - $0 >= probeEveryNanoseconds }) ?? true {
            probing = true
            return .probe
        }
        if isYielding {
            let nextProbe = (lastProbeAt ?? now) + probeEveryNanoseconds
            if working > 0 { return .wait(until: min(now + Self.pollNanoseconds, nextProbe)) }
            if let restUntil, now < restUntil { return .wait(until: min(restUntil, max(nextProbe, now + Self.pollNanoseconds))) }
        }
        working += 1
        return .work
    }

    /// No unit is at work: a worker told to wait now rests (rather than waits for another's unit).
    var isIdle: Bool { working == 0 }

    /// A worker starts without waiting (the job is stopping and must see it).
    mutating func startWithoutWaiting() {
        working += 1
    }

    /// A waiting worker looks again this often while another one works.
    static let pollNanoseconds: Int64 = 10_000_000

    /// The probe at `now` found `busySessions` other sessions busy (or recently busy).
    mutating func probed(busySessions: Int, at now: Int64) {
        probing = false
        lastProbeAt = now
        if busySessions > 0 { lastBusyAt = now }
        isYielding = lastBusyAt.map { now - $0 < quietNanoseconds } ?? false
        if !isYielding { restUntil = nil }
    }

    /// The probe could not be made: the job goes on as it was.
    mutating func probeFailed(at now: Int64) {
        probing = false
        lastProbeAt = now
    }

    /// A unit that started at `started` ended at `now`.
    mutating func finished(started: Int64, at now: Int64) {
        working = max(working - 1, 0)
        guard isYielding else { return }
        restUntil = now + Int64(Double(now - started) * (1 - share) / share)
    }
}
