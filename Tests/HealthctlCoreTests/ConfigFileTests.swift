import Foundation
import HealthctlCore
import Testing

@Suite struct ConfigFileTests {
    let sample = """
        # healthctl settings
        [report]
        slo = 99.5
        max_gap = "10m"

        [report.slo_by_provider]
        github = 99.0
        "google" = 99.95

        [prune]
        older_than = "30d"
        batch_size = 2000
        """

    @Test func readsKnownKeys() throws {
        let file = try ConfigFile.parse(sample, path: "h.toml")
        #expect(file["report.slo"] == .text("99.5"))
        #expect(file["report.max_gap"] == .text("10m"))
        #expect(file["report.slo_by_provider"] == .table(["github": 99.0, "google": 99.95]))
        #expect(file["prune.batch_size"] == .text("2000"))
    }

    @Test func unknownKeyNamesKeyAndLine() {
        let text = sample + "\nbatch_sise = 3\n"
        #expect(throws: ConfigError.unknownKey(path: "h.toml", line: 13, key: "prune.batch_sise")) {
            try ConfigFile.parse(text, path: "h.toml")
        }
        #expect(throws: ConfigError.unknownKey(path: "h.toml", line: 1, key: "retention")) {
            try ConfigFile.parse("[retention]\ndays = 3\n", path: "h.toml")
        }
    }

    @Test func wrongTypesNameKeyAndLine() {
        #expect(throws: ConfigError.invalidValue(path: "h.toml", line: 2, key: "report.slo", expected: "a percentage between 0 and 100, e.g. 99.9")) {
            try ConfigFile.parse("[report]\nslo = 120\n", path: "h.toml")
        }
        #expect(throws: ConfigError.invalidValue(path: "h.toml", line: 2, key: "prune.older_than", expected: "a duration such as \"90d\" or \"5m\"")) {
            try ConfigFile.parse("[prune]\nolder_than = \"ninety days\"\n", path: "h.toml")
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        do throws(ConfigError) {
            _ = try ConfigFile.parse("[report]\nslo = \n", path: "h.toml")
            Issue.record("expected a syntax error")
        } catch {
            guard case let .syntax(_, line, _) = error else { Issue.record("\(error)"); return }
            #expect(line == 2)
            #expect(error.category == .configuration)
        }
    }

    @Test func flagsOverrideFileOverridesDefaults() throws {
        let settings = EffectiveSettings(file: try ConfigFile.parse(sample, path: "h.toml"))
        #expect(settings.resolved("report.slo", flag: "99.99").value == "99.99")
        #expect(settings.resolved("report.slo", flag: "99.99").source == .flag)
        #expect(settings.resolved("report.slo").value == "99.5")
        #expect(settings.resolved("report.slo").source == .file)
        #expect(settings.resolved("report.stale_after").value == "24h")
        #expect(settings.resolved("report.stale_after").source == .default)
    }

    @Test func secretsAreMaskedInTheListing() throws {
        let settings = EffectiveSettings(
            file: ConfigFile(), overrides: ["database.url": (value: "postgresql://app:hunter2@db/app", source: .env)])
        let url = try #require(settings.all().first { $0.key == "database.url" })
        #expect(url.value == "postgresql://app:****@db/app")
        #expect(url.source == .env)
        #expect(!settings.all().contains { $0.value?.contains("hunter2") == true })
    }

    @Test func explicitPathMustExistButDefaultsMayBeAbsent() throws {
        #expect(throws: ConfigError.notFound(path: "/nonexistent/healthctl.toml")) {
            try ConfigFile.load(explicitPath: "/nonexistent/healthctl.toml")
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let file = try ConfigFile.load(explicitPath: nil, workingDirectory: empty.path)
        #expect(file.path == nil || file.path == "/etc/healthctl/healthctl.toml")
        try sample.write(to: empty.appendingPathComponent("healthctl.toml"), atomically: true, encoding: .utf8)
        #expect(try ConfigFile.load(explicitPath: nil, workingDirectory: empty.path).path?.hasSuffix("healthctl.toml") == true)
    }
}
