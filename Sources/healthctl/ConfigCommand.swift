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
            let context = try global.start(label: "healthctl.config")
            let all = try context.settings.effectiveSettings(databaseURL: connection.databaseURL, connectTimeout: connection.connectTimeout)
            let path = context.settings.path
            switch format {
            case .json:
                struct Document: Encodable {
                    var file: String?
                    var settings: [EffectiveSetting]
                }
                print(try JSONOutput.encode(Document(file: path, settings: all)))
            case .text:
                print("settings file: \(path ?? "none (built-in defaults)")")
                let width = all.map(\.key.count).max() ?? 0
                for setting in all {
                    let key = setting.key.padding(toLength: width, withPad: " ", startingAt: 0)
                    print("\(key)  \(setting.value ?? "-")  (\(setting.source.rawValue))")
                }
            }
        }
    }
}
