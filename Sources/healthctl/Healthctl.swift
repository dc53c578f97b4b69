import ArgumentParser

@main
struct Healthctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthctl",
        abstract: "Reports, retention and backfill for the integration health tables of migration 005.",
        discussion: ExitStatus.helpText,
        version: HealthctlVersion.current,
        subcommands: [
            ReportCommand.self,
            RollupCommand.self,
            PruneCommand.self,
            ArchiveCommand.self,
            BackfillCommand.self,
            DoctorCommand.self,
            SchemaCommand.self,
            SeedCommand.self,
            ConfigCommand.self,
        ]
    )

    /// Every failure of every subcommand ends here, in `ExitStatus.exit(for:)`.
    static func main() {
        MallocArenas.limit()
        do {
            var command = try parseAsRoot()
            try command.run()
            try JobMetricsRun.shared.finish(exitCode: 0)
        } catch {
            ExitStatus.exit(for: error, command: self)
        }
    }
}
