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
        Exit codes: 0 success, 64 bad usage, 65 bad data (corrupt archive), 69 database unreachable, \
        70 internal error, 73 cannot write output or archive, 75 temporary failure (lock held, lock timeout; \
        retry later), 77 authentication or permission denied, 78 configuration (migration 005 missing, \
        unsupported column types).
        """
}

/// Prints one line on stderr for a failure and exits with its code. Everything a subcommand
/// throws ends here, so every failure looks the same.
func runReportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as any CategorizedError {
        FileHandle.standardError.write(Data("healthctl: error: \(error.description)\n".utf8))
        throw ExitCode(ExitStatus.code(for: error.category))
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("healthctl: error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.code(for: .internalError))
    }
}

/// A usage error found after parsing (for example a window whose start is after its end).
struct UsageError: CategorizedError {
    var description: String
    var category: FailureCategory { .usage }
    init(_ description: String) { self.description = description }
}
