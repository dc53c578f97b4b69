import Dispatch
import Foundation
import HealthctlCore

/// Turns SIGINT and SIGTERM into a `StopRequest`, so a batch job finishes its current batch and
/// reports what it did instead of dying mid-transaction. A second signal exits at once, with the
/// shell's code for death by that signal (130 for SIGINT, 143 for SIGTERM).
enum SignalTrap {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(_ stop: StopRequest) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if stop.isRequested { exit(128 + signalNumber) }
                stop.request(signalNumber == SIGINT ? "SIGINT" : "SIGTERM")
            }
            source.resume()
            sources.append(source)
        }
    }
}
