import Foundation
import Synchronization
import HealthctlCore
import Logging

/// Writes log lines to stderr as text or JSON lines. Messages are redacted on the way out, so a
/// token that slipped into a log message never reaches a log shipper.
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String
    let format: LogFormat

    private static let bootstrapped = Mutex(false)

    static func bootstrapOnce(format: LogFormat, level: Logger.Level) {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in StderrLogHandler(logLevel: level, label: label, format: format) }
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let message = Redactor.redact(event.message.description)
        let time = ISOTime.format(Date())
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Redactor.redact($0.value.description))" }
            line = ([time, event.level.rawValue, message] + fields).joined(separator: " ")
        case .json:
            var object: [String: String] = ["time": time, "level": event.level.rawValue, "message": message, "logger": label]
            for (key, value) in merged { object[key] = Redactor.redact(value.description) }
            // A dictionary of strings always encodes.
            line = (try? JSONOutput.encode(object, oneLine: true)) ?? "{}"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
