import ArgumentParser
import HealthctlCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the connection and the migration 005 objects, with row counts and advice.",
        discussion: "Exits 0 when the database is usable, 78 naming the first missing object otherwise.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let context = try global.start(label: "healthctl.doctor")
        let report = try Doctor.run(
            target: connection.target(context.settings), rollupSchema: context.settings.rollup.schema.value, logger: context.logger)
        switch format {
        case .text: print(report.renderText(), terminator: "")
        case .json: print(try JSONOutput.encode(report))
        }
        if let problem = report.problem {
            throw DoctorFailure(description: problem)
        }
    }
}

/// The database is not usable; doctor already printed the checklist.
struct DoctorFailure: CategorizedError {
    var description: String
    var category: FailureCategory { .configuration }
}
