import ArgumentParser
import Foundation
import HealthctlCore

/// `--config FILE`; without it `./healthctl.toml`, then `/etc/healthctl/healthctl.toml`.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Settings file (default ./healthctl.toml, then /etc/healthctl/healthctl.toml).")
    var path: String?

    func load() throws -> ConfigFile {
        try ConfigFile.load(explicitPath: path)
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective settings.",
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting with its value and where it came from (flag, env, file, default); secrets masked.")

        @OptionGroup var config: ConfigOptions
        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            try runReportingFailures {
                let file = try config.load()
                var overrides: [String: (value: String, source: SettingSource)] = [:]
                let target = try connection.target()
                switch target.source {
                case .flag: overrides["database.url"] = (connection.databaseURL ?? "", .flag)
                case .environment, .dotEnvFile:
                    overrides["database.url"] = (ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ".env DATABASE_URL", .env)
                case .libpqEnvironment: break
                }
                let settings = EffectiveSettings(file: file, overrides: overrides).all()
                switch format {
                case .json:
                    struct Document: Encodable {
                        var file: String?
                        var settings: [EffectiveSetting]
                    }
                    print(try JSONOutput.encode(Document(file: file.path, settings: settings)))
                case .text:
                    print("config file: \(file.path ?? "none (built-in defaults)")")
                    let width = settings.map(\.key.count).max() ?? 0
                    for setting in settings {
                        let key = setting.key.padding(toLength: width, withPad: " ", startingAt: 0)
                        print("\(key)  \(setting.value ?? "-")  (\(setting.source.rawValue))")
                    }
                }
            }
        }
    }
}
