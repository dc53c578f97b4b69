import ArgumentParser
import HealthctlCore
import Logging

extension PartitionInterval: ExpressibleByArgument {}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print or apply the SQL of migration 005.",
        subcommands: [Print.self, Apply.self, PartitionPlan.self])

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the SQL of migration 005 (or its rollback).")

        @Flag(help: "Print the rollback instead.")
        var rollback = false

        @Flag(help: "Print the minimal base \"Integration\" table first.")
        var withBaseTable = false

        func run() throws {
            var scripts: [MigrationSQL.Script] = rollback ? [.rollback] : [.migration]
            if withBaseTable && !rollback { scripts.insert(.baseIntegrationTable, at: 0) }
            print(try scripts.map { try MigrationSQL.text($0) }.joined(separator: "\n"), terminator: "")
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply migration 005 to the connected database, and create the rollup tables; applying twice changes nothing.",
            discussion: "For test and demo databases. Production databases get migration 005 from the application's own migrations; healthctl rollup creates its tables itself.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var global: GlobalOptions

        @Flag(help: "Create a minimal \"Integration\" table first when it does not exist (demos and tests).")
        var withBaseTable = false

        @Flag(help: "Apply the rollback instead: drop the log table, the two columns and the enum.")
        var rollback = false

        @Flag(help: "Create the log table partitioned by range of checkedAt (primary key (id, checkedAt)), from 180 days ago to 30 days ahead, with a default partition.")
        var partitioned = false

        @Option(help: "The length of each partition with --partitioned: day, week or month (default day).")
        var partitionInterval: PartitionInterval?

        func run() throws {
            let context = try global.start(label: "healthctl.schema")
            var options = SchemaApplier.Options()
            (options.withBaseTable, options.rollback) = (withBaseTable, rollback)
            if partitionInterval != nil && !partitioned { throw UsageError("--partition-interval goes with --partitioned") }
            options.partitionInterval = partitioned ? partitionInterval ?? .day : nil
            options.rollupSchema = context.settings.rollup.schema.value
            let done = try SchemaApplier.run(target: connection.target(context.settings), options: options)
            context.logger.notice("\(done)")
        }
    }

    struct PartitionPlan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "partition-plan",
            abstract: "Print the DDL that turns the existing log table into one partitioned by range of checkedAt; run nothing.",
            discussion: """
                No row is copied: the table becomes the partition of every row before the cutover (checked online first), \
                new children start there, and the primary key becomes ("id", "checkedAt"). The script ends with what it \
                means for schema.prisma (@@id([id, checkedAt])). Exits 78 when the table is partitioned already.
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var global: GlobalOptions

        @Option(help: "The length of each new partition: day, week or month (default day).")
        var partitionInterval: PartitionInterval = .day

        @Option(help: "Days of partitions to create ahead from the cutover (default 30).")
        var premakeDays: Int = 30

        func run() throws {
            let context = try global.start(label: "healthctl.schema")
            guard (1...3660).contains(premakeDays) else { throw UsageError("--premake-days must be between 1 and 3660") }
            let plan = try HealthctlCore.PartitionPlan.make(
                target: connection.target(context.settings), interval: partitionInterval, premakeDays: premakeDays,
                nowMs: ISOTime.nowMilliseconds())
            print(plan.sql, terminator: "")
        }
    }
}
