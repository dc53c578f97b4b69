import ArgumentParser
import Foundation
import HealthctlCore

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective settings.",
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting with its value and where it came from (flag, env, file, default); secrets masked.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            try runReportingFailures {
                let context = try global.start(label: "healthctl.config")
                var settings = context.settings
                let target = try connection.target(settings)
                switch target.source {
                case .flag:
                    settings.overrides["database.url"] = (connection.databaseURL ?? "", .flag)
                case .environment:
                    settings.overrides["database.url"] = (ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "", .env)
                case .dotEnvFile:
                    settings.overrides["database.url"] = ("(from ./.env)", .env)
                case .configFile, .libpqEnvironment:
                    break
                }
                let flags: [(String, String?)] = [
                    ("database.connect_timeout", connection.connectTimeout.map(String.init)),
                    ("log.level", global.logLevel), ("log.format", global.logFormat?.rawValue),
                ]
                for case let (key, value?) in flags { settings.overrides[key] = (value, .flag) }
                let all = settings.all()
                switch format {
                case .json:
                    struct Document: Encodable {
                        var file: String?
                        var settings: [EffectiveSetting]
                    }
                    print(try JSONOutput.encode(Document(file: settings.file.path, settings: all)))
                case .text:
                    print("settings file: \(settings.file.path ?? "none (built-in defaults)")")
                    let width = all.map(\.key.count).max() ?? 0
                    for setting in all {
                        let key = setting.key.padding(toLength: width, withPad: " ", startingAt: 0)
                        print("\(key)  \(setting.value ?? "-")  (\(setting.source.rawValue))")
                    }
                }
            }
        }
    }
}
