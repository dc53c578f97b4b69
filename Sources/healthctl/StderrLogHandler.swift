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

    /// The format chosen, once logging is set up.
    private static let bootstrapped = Mutex<LogFormat?>(nil)

    static func bootstrapOnce(format: LogFormat, level: Logger.Level) {
        bootstrapped.withLock { chosen in
            guard chosen == nil else { return }
            chosen = format
            LoggingSystem.bootstrap { label in StderrLogHandler(logLevel: level, label: label, format: format) }
        }
    }

    /// The format of stderr lines: the one logging was set up with, or, for a failure before
    /// that (a bad flag, an unreadable settings file), the `--log-format` on the command line.
    static var lineFormat: LogFormat {
        if let chosen = bootstrapped.withLock({ $0 }) { return chosen }
        let arguments = CommandLine.arguments
        if let index = arguments.firstIndex(of: "--log-format"), index + 1 < arguments.count, arguments[index + 1] == "json" { return .json }
        return arguments.contains("--log-format=json") ? .json : .text
    }

    /// The last line of a run that ends badly: `healthctl: error: ...`, or in the JSON format an
    /// object with the message, the exit code and its category.
    static func writeFinal(_ message: String, exitCode: Int32, category: String, prefix: String = "healthctl: error: ") {
        let line: String
        switch lineFormat {
        case .text:
            line = prefix + message
        case .json:
            let record = FinalRecord(
                time: ISOTime.format(Date()), level: "error", logger: "healthctl", message: Redactor.redact(message), exitCode: exitCode,
                category: category)
            line = (try? JSONOutput.encode(record, oneLine: true)) ?? "{}"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private struct FinalRecord: Encodable {
        var time: String
        var level: String
        var logger: String
        var message: String
        var exitCode: Int32
        var category: String
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
