import ArgumentParser
import Foundation
import HealthctlCore

/// Exit codes from sysexits(3), one per failure category.
enum ExitStatus {
    static func code(for category: FailureCategory) -> Int32 {
        switch category {
        case .usage: return 64
        case .dataError: return 65
        case .internalError: return 70
        case .unavailable: return 69
        case .cannotWrite: return 73
        case .temporary: return 75
        case .permission: return 77
        case .configuration: return 78
        }
    }

    static let helpText = """
        Exit codes: 0 success, 3 an integration missed its SLO (report --fail-on-breach; the report is written), 64 bad usage, 65 bad data (corrupt archive), 69 database unreachable, \
        70 internal error, 73 cannot write output or archive, 75 temporary failure (lock held, lock timeout; \
        retry later), 77 authentication or permission denied, 78 configuration (migration 005 missing, \
        unsupported column types).
        """

    /// Ends the process for an error a subcommand threw: one line on stderr and the code of its
    /// category. Errors of the argument parser (usage, `--help`) keep its own output and codes.
    static func exit(for error: any Error, command: any ParsableCommand.Type) -> Never {
        let category: FailureCategory
        let message: String
        if let error = error as? any CategorizedError {
            (category, message) = (error.category, error.description)
        } else if command.exitCode(for: error) != .failure {
            // The argument parser's own exits (usage, --help) and `ExitCode`s (--fail-on-breach).
            let code = command.exitCode(for: error).rawValue
            recordJob(exitCode: code)
            if code == ExitCode.validationFailure.rawValue, StderrLogHandler.lineFormat == .json {
                StderrLogHandler.writeFinal(command.message(for: error), exitCode: code, category: name(of: .usage))
                Foundation.exit(code)
            }
            command.exit(withError: error)
        } else {
            (category, message) = (.internalError, "\(error)")
        }
        StderrLogHandler.writeFinal(message, exitCode: code(for: category), category: name(of: category))
        recordJob(exitCode: code(for: category))
        Foundation.exit(code(for: category))
    }

    /// The category as a failure record names it.
    static func name(of category: FailureCategory) -> String {
        switch category {
        case .usage: return "usage"
        case .dataError: return "data"
        case .internalError: return "internal"
        case .unavailable: return "unreachable"
        case .cannotWrite: return "output"
        case .temporary: return "temporary"
        case .permission: return "auth"
        case .configuration: return "config"
        }
    }

    /// Writes the job's metrics file for a failed run; a failure to write it is one more line.
    private static func recordJob(exitCode: Int32) {
        do throws(MetricsFileError) {
            try JobMetricsRun.shared.finish(exitCode: exitCode)
        } catch {
            StderrLogHandler.writeFinal(error.description, exitCode: code(for: error.category), category: name(of: error.category))
        }
    }
}
