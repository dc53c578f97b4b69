import Foundation
import HealthctlCore
import Synchronization

/// Draws a progress bar with rate and ETA on stderr, only when stderr is a terminal (never in cron).
final class TerminalProgress: Sendable {
    private struct State {
        var lastDraw: Double = 0
        var drew = false
    }

    private let startedAt = Date()
    private let state = Mutex(State())
    /// False when stderr is not a terminal or `--quiet` was given.
    let isShown: Bool

    /// - Parameter quiet: `--quiet` turns the bar off as well.
    init(quiet: Bool) {
        isShown = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// The callback to hand to a job.
    var handler: ProgressHandler { { [self] progress in self.draw(progress) } }

    func draw(_ progress: JobProgress) {
        guard isShown else { return }
        let elapsed = Date().timeIntervalSince(startedAt)
        let shouldDraw = state.withLock { state -> Bool in
            let finished = progress.total.map { progress.done >= $0 } ?? false
            guard finished || elapsed - state.lastDraw >= 0.1 else { return false }
            state.lastDraw = elapsed
            state.drew = true
            return true
        }
        guard shouldDraw else { return }
        let rate = elapsed > 0 ? Double(progress.done) / elapsed : 0
        var line = ""
        if let total = progress.total, total > 0 {
            let fraction = min(1, Double(progress.done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            line += String(format: "%3.0f%% ", fraction * 100)
            line += "\(progress.done)/\(total) \(progress.unit)"
            if rate > 0, progress.done < total {
                line += " ETA " + DurationText.humanize(seconds: Double(total - progress.done) / rate)
            }
        } else {
            line = "\(progress.done) \(progress.unit)"
        }
        line += String(format: " %.0f %@/s", rate, progress.unit)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    /// Ends the bar's line so later output starts clean.
    func finish() {
        guard isShown, state.withLock({ $0.drew }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
